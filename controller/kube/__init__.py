"""The Kubernetes side of the Knative backend: strict validation and the applier.

`schema` (CRD schemas, unknown fields forbidden), `admission` (Knative's webhook rules),
`api` (the `KubeApi` port and its `kubernetes`-client implementation), `applier` (KubeApplier).
"""
