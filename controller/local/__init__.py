"""The local engine: realises Hydro's Knative manifests on one machine (`hydro up`)."""
