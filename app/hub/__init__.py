"""Reading the Hugging Face Hub: the client (a HubSource for the engine) and its caches."""
