"""Durable background work: the delivery store, the Huey queue and the check job."""
