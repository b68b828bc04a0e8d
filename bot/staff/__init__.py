"""The clinic's staff console: accounts, a live queue, take-over and hand-back.

Server side of the console at /staff (pages in bot/web/staff/). Off until a
staff account exists (`python -m bot.staff add-user NAME`). No Rasa import at
module level except in `channel`, `observer` and `handover`, which plug into
Rasa.

- store      tables in the tracker database (accounts, sessions, audit, queue)
- auth       password hashing, sessions, CSRF, login rate limit
- hours      is anyone at the clinic now (bot/config/clinic.yml staff_hours)
- observer   sees every patient turn (all channels) and keeps the queue
- handover   take over / staff message / hand back, recorded in the tracker
- live       the socket.io /staff namespace and delivery to the widget
- web        the HTTP routes; channel: how Rasa loads it (credentials.yml)
"""
