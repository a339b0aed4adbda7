"""State and work descriptions: what the app remembers (one store interface, SQLite or PostgreSQL
behind it), the units of work a delivery becomes, and the turns installations take.

This layer sits below the receiver (`app.webhooks`), the jobs (`app.jobs`) and the GitHub
boundary (`app.github`); it imports none of them.
"""
