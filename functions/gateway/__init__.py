"""The Hydro gateway: the data-plane entry point (HTTP, gRPC and CloudEvents ingress).

Layout (a module per concept):
- `settings`: `GatewaySettings.from_env`, every `HYDRO_*` variable the gateway reads.
- `errors`: the one error hierarchy and its HTTP status / gRPC code table.
- `routing`, `routing_source`: the controller's routing table as frozen values, and where it
  comes from (polled from the controller, or static).
- `upstream`: calls a runtime's `PredictionService/Predict` and maps its errors.
- `pipeline`: the transport-free core (validate, chain stages, shadows, inference events).
- `monitoring`, `outbox`: `dev.hydro.inference.completed` events and their durable outbox.
- `http_app`, `http_oip`, `http_cloudevents`, `proxy`, `http_server`: the HTTP adapter (Flask,
  served by gunicorn), with the fallback reverse proxy `hydro up` uses.
- `grpc_server`: the gRPC adapter (`GatewayService` + `grpc.health.v1`).
- `components`: wires the parts of one serving process; `__main__` starts it.
"""
