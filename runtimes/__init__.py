"""Model runtimes: one process serves one model version over Hydrosphere's gRPC PredictionService.

`python -m runtimes` reads `RuntimeSettings` (settings.py), opens the gRPC port with health
NOT_SERVING (grpc_server.py), fetches the model folder (fetch.py, artifact.py), picks its
Runtime (registry.py: python_function.py, sklearn_estimator.py), loads it and serves every
request through the transport-free `DataPlane` (dataplane.py). Errors: errors.py.
"""
