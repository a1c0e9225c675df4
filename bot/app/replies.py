"""Interaction replies that survive Discord's server errors: defer first, then send the reply as an edit.

Discord allows 3 s for the first response to an interaction. When that response meets a 5xx, discord.py tries it
again after 1 s, and after 3 s more on a second 5xx: by then the interaction has expired and the reply is lost.
:class:`DeferOnServerError` replaces discord.py's webhook adapter (the one place every interaction response goes
through: slash commands, buttons and forms alike). A message or message-update response that meets a 5xx on its
first try is not tried again as it is: the interaction is deferred at once (a small request, in time), and the reply
is then written into the deferred response (``PATCH …/messages/@original``), which may take up to 15 minutes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
from discord.webhook.async_ import AsyncWebhookAdapter, async_context, interaction_response_params

log = logging.getLogger(__name__)

EPHEMERAL = 1 << 6
ALREADY_ACKNOWLEDGED = 40060
"""Discord's error code for a second response to an interaction."""
DEFERRED_TYPE = {4: 5, 7: 6}
"""The deferred response of each response type that can be sent later: a message (4: "thinking…", 5) and a message
update (7: deferred update, 6). Forms (9) and autocomplete answers (8) cannot be deferred."""
_EDIT_FIELDS = ("content", "embeds", "components", "allowed_mentions", "attachments", "poll")
"""What a response's message data keeps when it is written into the deferred response instead."""


class ServerErrorOnFirstTry(Exception):
    """The first try of an interaction response met a 5xx (and was not retried)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"Discord answered {status}")
        self.status = status


class _RaiseOnServerError:
    """One request of an :class:`aiohttp.ClientSession` whose 5xx answer raises instead of being handed back."""

    def __init__(self, pending: Any) -> None:
        self._pending = pending

    async def __aenter__(self) -> aiohttp.ClientResponse:
        response = await self._pending.__aenter__()
        if response.status >= 500:
            await self._pending.__aexit__(None, None, None)
            raise ServerErrorOnFirstTry(response.status)
        return response

    async def __aexit__(self, *exc_info: object) -> None:
        await self._pending.__aexit__(*exc_info)


class _FirstTryOnly:
    """Stands in for the session of one request, so that discord.py's retry loop stops at a first 5xx."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    def request(self, *args: Any, **kwargs: Any) -> _RaiseOnServerError:
        """Start the request on the real session."""
        return _RaiseOnServerError(self._session.request(*args, **kwargs))


def _response_payload(params: Any) -> dict[str, Any]:
    """Return the ``{"type": …, "data": …}`` of a response, whether sent as JSON or as multipart with files."""
    if params.payload is not None:
        return params.payload
    return json.loads(params.multipart[0]["value"])


class DeferOnServerError(AsyncWebhookAdapter):
    """discord.py's webhook adapter, with message responses deferred and sent as an edit after a first 5xx."""

    def __init__(self, application_id: Callable[[], int | None]) -> None:
        super().__init__()
        self._application_id = application_id

    async def create_interaction_response(  # type: ignore[override]
        self,
        interaction_id: int,
        token: str,
        *,
        session: aiohttp.ClientSession,
        proxy: str | None = None,
        proxy_auth: aiohttp.BasicAuth | None = None,
        params: Any,
    ) -> Any:
        """Send an interaction response; after a first 5xx, defer the interaction and send it as an edit."""
        payload = _response_payload(params)
        kind, data = payload["type"], payload.get("data") or {}
        application_id = self._application_id()
        connection = {"session": session, "proxy": proxy, "proxy_auth": proxy_auth}
        if kind not in DEFERRED_TYPE or application_id is None:
            return await super().create_interaction_response(interaction_id, token, params=params, **connection)
        try:
            return await super().create_interaction_response(
                interaction_id, token, params=params, **{**connection, "session": _FirstTryOnly(session)}
            )
        except ServerErrorOnFirstTry as error:
            log.warning(
                "Discord answered %d to an interaction response; deferring it and sending the reply as an edit",
                error.status,
            )
        ephemeral = bool((data.get("flags") or 0) & EPHEMERAL)
        defer = interaction_response_params(
            DEFERRED_TYPE[kind], {"flags": EPHEMERAL} if ephemeral and kind == 4 else None
        )
        try:
            deferred = await super().create_interaction_response(interaction_id, token, params=defer, **connection)
        except discord.HTTPException as exc:
            if exc.code != ALREADY_ACKNOWLEDGED:
                raise
            deferred = None  # the first try did reach Discord: its answer was lost, not the response
        message = await self._edit_original(application_id, token, data, params, connection)
        answered = (deferred or {}).get("interaction") or {"id": str(interaction_id)}
        return {
            "interaction": {**answered, "response_message_loading": False, "response_message_ephemeral": ephemeral},
            "resource": {"type": kind, "message": message},
        }

    async def _edit_original(
        self, application_id: int, token: str, data: dict[str, Any], params: Any, connection: dict[str, Any]
    ) -> Any:
        """Write a response's message into the deferred response (files are sent again from their start)."""
        edit = {key: data[key] for key in _EDIT_FIELDS if key in data}
        if flags := (data.get("flags") or 0) & ~EPHEMERAL:  # ephemeral or not was settled by the deferral
            edit["flags"] = flags
        if not params.files:
            return await self.edit_original_interaction_response(application_id, token, payload=edit, **connection)
        for file in params.files:
            file.reset()
        multipart = [{"name": "payload_json", "value": json.dumps(edit)}, *params.multipart[1:]]
        return await self.edit_original_interaction_response(
            application_id, token, multipart=multipart, files=params.files, **connection
        )


def defer_interaction_replies_on_server_errors(application_id: Callable[[], int | None]) -> None:
    """Route this task's interaction responses (and those of tasks it starts) through :class:`DeferOnServerError`.

    Call it before the bot starts, from the task that runs it. An adapter installed by someone else (a simulated
    Discord in tests) is left in place.
    """
    if type(async_context.get()) is AsyncWebhookAdapter:
        async_context.set(DeferOnServerError(application_id))
