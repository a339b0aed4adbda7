"""The report pages, the badge, sign-in with GitHub and the setup page: read-only views of the
store, served beside the webhook receiver. They never call GitHub for anonymous visitors."""
