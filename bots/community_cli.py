"""`peacepulse staff`, `audit`, `groups` and `initiatives`: staff roles, invitations, the audit
log, closed groups and sign-up exports, from the command line.

People are named by channel and platform user id on the command line only: what is stored is
their pseudonym, computed with the same key as the conversation's (`conversations.identity`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from bots import app as root
from bots.app import DEMO_SECRET_FILE
from config.errors import ConfigError
from config.settings import Settings
from conversations.definitions import Initiative
from conversations.identity import InvalidPhoneNumber, phone_number, pseudonym
from conversations.snapshot import ROLES
from conversations.values import ParticipantKey
from storage.community import CommunityStore
from storage.models import Participant

T = TypeVar("T")


def _person_key(settings: Settings, channel: str, user: str) -> ParticipantKey:
    """The key the channel would give the person: SMS numbers in E.164, as the gateway's are."""
    if channel == "sms":
        try:
            user = phone_number(user, settings.sms_default_region)
        except InvalidPhoneNumber as error:
            raise ConfigError(str(error)) from None
    return ParticipantKey(channel, user)


def _people_secret(settings: Settings) -> bytes:
    """The pseudonym key to name a person by: the configured one, or the demo's own only where
    it already exists or nobody has written yet.

    Without this check, `staff add` run where ``PEACEPULSE_SECRET_KEY`` is not set (a new
    shell on the server) would write a new key and grant the role to a pseudonym that nobody
    who ever writes to the bot will have.
    """
    if settings.secret_key is not None or (settings.data_dir / DEMO_SECRET_FILE).exists():
        return root.local_secret(settings)

    async def anyone() -> bool:
        async with root.open_database(settings) as database, database.connect() as connection:
            return await connection.scalar(select(Participant.id).limit(1)) is not None

    if asyncio.run(anyone()):
        raise ConfigError(
            "PEACEPULSE_SECRET_KEY: required here, since this database already has participants "
            "(their pseudonyms come from that key; a new key would name nobody who writes)"
        )
    return root.local_secret(settings)


def _with_store(settings: Settings, work: Callable[[CommunityStore], Awaitable[T]]) -> T:
    async def go() -> T:
        async with root.open_database(settings) as database:
            return await work(CommunityStore(database))

    return asyncio.run(go())


def _now() -> datetime:
    return datetime.now(UTC)


_person_options = [
    click.option(
        "--channel", default="telegram", show_default=True, help="telegram, sms, terminal…"
    ),
    click.option("--user", "user", required=True, help="The person's user id on that channel."),
]


def _person(function: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_person_options):
        function = option(function)
    return function


def build(  # noqa: PLR0915 (a list of command definitions, not logic)
    friendly: Callable[[Any], Any], _settings: Callable[[], Settings]
) -> tuple[click.Command, ...]:
    """The commands, given the CLI's error handling (`bots.cli_support.friendly`) and its way of
    reading settings once (`bots.cli_support.read_settings`)."""

    @click.group()
    def staff() -> None:
        """Staff roles: admin, organizer, mediator."""

    @staff.command("add")
    @_person
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @friendly
    def staff_add(channel: str, user: str, role: str) -> None:
        """Grant a role to a person (by channel and user id; only the pseudonym is stored)."""
        settings = _settings()
        who = pseudonym(_people_secret(settings), _person_key(settings, channel, user))
        added = _with_store(settings, lambda store: store.add_staff(who, role, _now()))
        click.echo(f"{role} granted to {who[:12]}…" if added else f"{who[:12]}… is already {role}")

    @staff.command("remove")
    @_person
    @click.option("--role", type=click.Choice(ROLES), default=None, help="Default: every role.")
    @friendly
    def staff_remove(channel: str, user: str, role: str | None) -> None:
        """Withdraw a role (or every role) from a person."""
        settings = _settings()
        who = pseudonym(_people_secret(settings), _person_key(settings, channel, user))
        removed = _with_store(settings, lambda store: store.remove_staff(who, role, _now()))
        if not removed:
            raise ConfigError(f"{who[:12]}… has no {role or 'staff'} role")
        click.echo(f"{removed} role(s) withdrawn from {who[:12]}…")

    @staff.command("list")
    @friendly
    def staff_list() -> None:
        """Everyone with a role: pseudonym (first 12 characters), role, since when."""
        settings = _settings()
        members = _with_store(settings, lambda store: store.staff())
        if not members:
            click.echo("no staff yet: `peacepulse staff add` or `peacepulse staff invite`")
        for member in members:
            click.echo(
                f"{member.participant[:12]}…\t{member.role}\t{member.granted_at:%Y-%m-%d %H:%M}"
            )

    @staff.command("link")
    @_person
    @friendly
    def staff_link(channel: str, user: str) -> None:
        """Print a one-time sign-in link to the workspace (`peacepulse web`) for a staff member;
        it works once, within minutes. Give it to them only, by a channel you trust."""
        settings = _settings()
        who = pseudonym(root.local_secret(settings), _person_key(settings, channel, user))
        link = asyncio.run(root.issue_web_link(settings, who))
        if link is None:
            raise ConfigError(f"{who[:12]}… has no staff role (`peacepulse staff add` first)")
        click.echo(link)

    @staff.command("invite")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @friendly
    def staff_invite(role: str) -> None:
        """Print a one-time code; the person sends `/staff CODE` to the bot to get the role."""
        settings = _settings()
        code, expires = _with_store(settings, lambda store: store.invite(role, _now()))
        click.echo(code)
        click.echo(
            f"one-time code for the {role} role, valid until {expires:%Y-%m-%d %H:%M} UTC; "
            f"the person sends: /staff {code}",
            err=True,
        )

    @click.command()
    @click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
    @friendly
    def audit(limit: int) -> None:
        """The latest staff actions: when, who (pseudonym or cli), what, about what."""
        settings = _settings()
        lines = _with_store(settings, lambda store: store.audit_log(limit))
        if not lines:
            click.echo("the audit log is empty")
        for line in lines:
            actor = line.actor if line.actor == "cli" else f"{line.actor[:12]}…"
            click.echo(f"{line.at:%Y-%m-%d %H:%M:%S}\t{actor}\t{line.action}\t{line.subject}")

    @click.group()
    def groups() -> None:
        """Closed groups and their access codes (stored hashed)."""

    @groups.command("create")
    @click.argument("group_id")
    @click.option("--name", required=True, help="What members see when they join.")
    @click.option("--chatham-house", is_flag=True, help="Nothing the group produces names anyone.")
    @friendly
    def groups_create(group_id: str, name: str, chatham_house: bool) -> None:
        """Create a closed group and print its access code (shown this once only)."""
        settings = _settings()
        code = _with_store(
            settings, lambda store: store.create_group(group_id, name, chatham_house, _now())
        )
        click.echo(code)
        click.echo(f"members join with: /join {code}", err=True)

    @groups.command("rotate")
    @click.argument("group_id")
    @friendly
    def groups_rotate(group_id: str) -> None:
        """Replace the access code (the old one stops working; members stay)."""
        settings = _settings()
        click.echo(_with_store(settings, lambda store: store.rotate_code(group_id, _now())))

    @groups.command("revoke")
    @click.argument("group_id")
    @friendly
    def groups_revoke(group_id: str) -> None:
        """Stop anyone joining (until `rotate` makes a new code); members stay."""
        settings = _settings()
        _with_store(settings, lambda store: store.revoke_code(group_id, _now()))
        click.echo(f"the access code of {group_id} is revoked")

    @groups.command("list")
    @friendly
    def groups_list() -> None:
        """Closed groups with their member counts."""
        settings = _settings()
        found = _with_store(settings, lambda store: store.groups())
        if not found:
            click.echo("no closed group yet: `peacepulse groups create`")
        for group in found:
            flags = ", ".join(
                f
                for f, on in (
                    ("Chatham House", group.chatham_house),
                    ("no code", not group.has_code),
                )
                if on
            )
            click.echo(
                f"{group.id}\t{group.name}\t{group.members} members"
                + (f"\t{flags}" if flags else "")
            )

    @click.group()
    def initiatives() -> None:
        """Initiatives volunteers sign up for."""

    @initiatives.command("list")
    @friendly
    def initiatives_list() -> None:
        """Every initiative (deployment and chat), with places taken and people waiting."""
        settings = _settings()
        deployment = root.deployment_for(settings)
        zone = ZoneInfo(deployment.timezone)
        language = deployment.default_language

        async def load(
            store: CommunityStore,
        ) -> tuple[list[Initiative], dict[str, tuple[int, int]]]:
            return await store.stored_initiatives(), await store.seat_counts()

        stored, seats = _with_store(settings, load)
        every = [*deployment.initiatives, *stored]
        if not every:
            click.echo("no initiative yet")
        for initiative in every:
            placed, waiting = seats.get(initiative.id, (0, 0))
            click.echo(
                f"{initiative.id}\t{deployment.text(initiative.title, language)}\t"
                f"{initiative.starts_at(zone):%Y-%m-%d %H:%M}\t{initiative.status}\t"
                f"{placed}/{initiative.capacity} placed, {waiting} waiting"
                + (f"\tgroup {initiative.group}" if initiative.group else "")
            )

    @initiatives.command("export")
    @click.argument("initiative_id")
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        default=None,
        help="Write the CSV here (default: standard output).",
    )
    @friendly
    def initiatives_export(initiative_id: str, output: Path | None) -> None:
        """Sign-ups of an initiative as CSV: a per-initiative pseudonym, status, date, and the
        contact each volunteer chose to share. Under the Chatham House rule, counts only."""
        settings = _settings()
        deployment = root.deployment_for(settings)

        async def export(store: CommunityStore) -> str:
            initiative = await store.initiative(deployment, initiative_id)
            if initiative is None:
                raise ConfigError(
                    f"no initiative '{initiative_id}' (see `peacepulse initiatives list`)"
                )
            chatham = initiative.group is not None and initiative.group in (
                await store.chatham_house_groups()
            )
            return await store.export_sign_ups(initiative_id, chatham)

        text = _with_store(settings, export)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"written to {output}", err=True)
        sys.stdout.flush()

    return staff, audit, groups, initiatives
