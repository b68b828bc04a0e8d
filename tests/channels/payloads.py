"""Webhook bodies as the platforms send them, and a small HTTP client."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid


def post(url, body, headers=None, content_type="application/json"):
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def slack_event(text, user=None, channel=None):
    user = user or f"U{uuid.uuid4().hex[:8].upper()}"
    channel = channel or f"D{uuid.uuid4().hex[:8].upper()}"
    body = json.dumps({"type": "event_callback", "authorizations": [{"user_id": "UBOT"}],
                       "event": {"type": "message", "channel_type": "im", "user": user,
                                 "channel": channel, "text": text, "ts": "1700000000.000100"}})
    return body.encode(), channel


def fb_event(text, psid=None, **message):
    psid = psid or f"psid-{uuid.uuid4().hex[:10]}"
    body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1,
         "message": {"mid": "m1", "text": text, **message}}]}]}).encode()
    return body, psid


def tg_update(text, chat_id):
    return {"update_id": 1, "message": {"message_id": 1, "date": 1, "text": text,
                                        "chat": {"id": chat_id, "type": "private"},
                                        "from": {"id": chat_id, "is_bot": False, "first_name": "A"}}}


# bodies that are not usable messages: each channel answers 200 or 400, never a 5xx
BAD_JSON = [b"", b"{not json", b"\xff\xfe\x00", b"[]", b"null", b'"text"', b"{}",
            json.dumps({"event": "nope"}).encode(), json.dumps({"event": {"type": "reaction_added"}}).encode(),
            json.dumps({"entry": "x"}).encode(), json.dumps({"entry": [1, {"messaging": [2, {}]}]}).encode(),
            json.dumps({"entry": [{"messaging": [{"sender": {"id": "p"}, "read": {"watermark": 1}}]}]}).encode(),
            json.dumps({"message": {"chat": "x", "text": 5}}).encode(),
            json.dumps({"callback_query": {"data": 1}}).encode(),
            json.dumps({"event": {"type": "message", "user": None, "text": "hi", "channel_type": "im"}}).encode(),
            json.dumps({"event": {"type": "message", "subtype": "channel_join", "text": "joined",
                                  "channel_type": "im", "user": "U1"}}).encode()]
