"""The `hydro` command line: talks to the controller's manager API over HTTP only."""
