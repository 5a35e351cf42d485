"""`hydro up`: the embedded platform (controller, gateway, local engine, Broker, functions)."""
