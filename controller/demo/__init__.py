"""`make demo`: an end-to-end scenario on one machine, with real processes and real models."""
