"""The adapters' send clients against the fake gateways: outcomes as the outbox needs them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bots.app import sms_gateway
from bots.cli import main
from bots.sms.africastalking import AfricasTalkingGateway
from bots.sms.sender import SmsSender
from bots.sms.twilio import TwilioGateway, signature
from config.errors import ConfigError
from config.settings import Settings
from conversations.ports import Outcome
from conversations.values import Button, Reply
from tests.fakes.sms_gateway import FakeAfricasTalking, FakeTwilio, twilio_signature

NUMBER = "+23566000009"


def twilio_gateway(fake: FakeTwilio, token: str | None = None) -> TwilioGateway:
    return TwilioGateway(
        account_sid=fake.account_sid,
        auth_token=token or fake.auth_token,
        sender=fake.shortcode,
        webhook_url="https://sms.example.org/sms",
        api_url=fake.base_url,
    )


async def test_twilio_outcomes(twilio: FakeTwilio) -> None:
    gateway = twilio_gateway(twilio)
    sender = SmsSender(gateway)
    invitation = Reply("A new round is open.", ((Button("Take part", "-:w:pulse:1"),),))
    assert (await sender.send(NUMBER, invitation)).outcome is Outcome.SENT
    # no button by SMS: named, not numbered ("1" answers the conversation's own question)
    assert twilio.received(NUMBER) == ["A new round is open.\n(Take part)"]
    twilio.opted_out.add(NUMBER)
    result = await sender.send(NUMBER, Reply("Again"))
    assert result.outcome is Outcome.UNREACHABLE and "21610" in result.detail
    wrong = twilio_gateway(twilio, token="not-the-token")
    assert (await SmsSender(wrong).send("+23566000010", Reply("x"))).outcome is Outcome.FAILED
    await wrong.close()
    await gateway.close()


async def test_twilio_unreachable_server_is_retried() -> None:
    gateway = TwilioGateway(
        account_sid="AC1",
        auth_token="t",
        sender="MG123",
        webhook_url="https://sms.example.org/sms",
        api_url="http://127.0.0.1:9",  # nothing listens there
    )
    assert (await gateway.send(NUMBER, "hello")).outcome is Outcome.RETRY
    await gateway.close()


async def test_africastalking_outcomes(africastalking: FakeAfricasTalking) -> None:
    gateway = AfricasTalkingGateway(
        username=africastalking.username,
        api_key=africastalking.api_key,
        webhook_key="k" * 20,
        sender="21212",
        api_url=africastalking.base_url,
    )
    long_text = " ".join(["word"] * 60)  # 299 characters: two parts
    assert (await SmsSender(gateway).send(NUMBER, Reply(long_text))).outcome is Outcome.SENT
    assert " ".join(africastalking.received(NUMBER)) == long_text
    africastalking.opted_out.add(NUMBER)
    result = await gateway.send(NUMBER, "again")
    assert result.outcome is Outcome.UNREACHABLE and "406" in result.detail
    await gateway.close()
    bad = AfricasTalkingGateway(
        username="someone",
        api_key="wrong",
        webhook_key="k" * 20,
        api_url=africastalking.base_url,
    )
    assert (await bad.send(NUMBER, "x")).outcome is Outcome.FAILED
    await bad.close()


def test_signature_matches_the_independent_one() -> None:
    form = {"Body": "1 3", "From": "+23566000001", "MessageSid": "SM1", "To": "+2356"}
    url = "https://sms.example.org/sms"
    assert signature("token", url, form) == twilio_signature("token", url, form)
    # Known value, computed by hand: base64(HMAC-SHA1("token", url + sorted pairs))
    import base64
    import hashlib
    import hmac

    payload = url + "Body1 3From+23566000001MessageSidSM1To+2356"
    expected = base64.b64encode(hmac.new(b"token", payload.encode(), hashlib.sha1).digest())
    assert signature("token", url, form) == expected.decode()


def test_sms_cost_command() -> None:
    result = CliRunner().invoke(main, ["sms-cost", "agenda"])
    assert result.exit_code == 0, result.output
    assert "| priority_issues | 3 (GSM-7) |" in result.output
    missing = CliRunner().invoke(main, ["sms-cost", "nope"])
    assert missing.exit_code != 0 and "no poll 'nope'" in missing.output


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"sms_provider": "twilio"}, "PEACEPULSE_SMS_WEBHOOK_URL: required"),
        (
            {"sms_provider": "twilio", "sms_webhook_url": "https://x.org/sms"},
            "PEACEPULSE_SMS_TWILIO_ACCOUNT_SID: required",
        ),
        (
            {
                "sms_provider": "africastalking",
                "sms_webhook_url": "https://x.org/sms",
                "sms_africastalking_username": "app",
                "sms_africastalking_api_key": "k",
            },
            "PEACEPULSE_SMS_WEBHOOK_KEY: required",
        ),
        (
            {
                "sms_provider": "africastalking",
                "sms_webhook_url": "https://x.org/sms",
                "sms_africastalking_username": "app",
                "sms_africastalking_api_key": "k",
                "sms_webhook_key": "short",
            },
            "PEACEPULSE_SMS_WEBHOOK_KEY: at least 16 characters",
        ),
    ],
)
def test_incomplete_gateway_settings_are_named(settings: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        sms_gateway(Settings(_env_file=None, **settings))  # type: ignore[call-arg]


def test_no_gateway_without_a_provider() -> None:
    assert sms_gateway(Settings(_env_file=None)) is None  # type: ignore[call-arg]


def test_webhook_url_is_kept_exactly_and_region_checked() -> None:
    settings = Settings(
        _env_file=None, sms_webhook_url="https://x.org/sms/", sms_default_region="td"
    )  # type: ignore[call-arg]
    assert settings.sms_webhook_url == "https://x.org/sms/"
    assert settings.sms_default_region == "TD"
    with pytest.raises(ValueError, match="two-letter"):
        Settings(_env_file=None, sms_default_region="Chad")  # type: ignore[call-arg]
