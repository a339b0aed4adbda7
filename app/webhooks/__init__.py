"""Receiving GitHub webhook deliveries: signature, storage, routing to handlers."""
