"""Citizens by SMS, end to end: `peacepulse run` with a gateway, fake gateways over real HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bots.app import job_counts, queue_broadcast
from bots.sms.segments import segments, split
from tests.fakes.sms_gateway import FakeAfricasTalking, FakeTwilio, twilio_signature
from tests.sms.conftest import rows, running, sms_settings

AMINA = "+23566000001"
KARIM = "+254712000002"


def one_segment_each(messages: list[str]) -> bool:
    return all(segments(m) == 1 for m in messages)


async def test_english_citizen_by_twilio(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = sms_settings(twilio, tmp_path, deployment_folder)
    async with running(settings):
        notice = await twilio.text(AMINA, "Hello")
        assert len(notice) > 1  # the privacy notice takes several messages
        assert "Meridia Dialogue Support Unit" in notice[0]
        # Options stay whole; the GSM-7 ones go in GSM-7, "Français" and Arabic in UCS-2.
        assert notice[-2].endswith("1) I agree\n2) No, thanks")
        assert notice[-1] == "3) Français\n4) العربية"
        assert one_segment_each(notice)

        language = "\n".join(await twilio.text(AMINA, "1"))
        assert "1) English\n2) Français\n3) العربية" in language
        region = "\n".join(await twilio.text(AMINA, "english"))
        assert "Which region do you live in now?" in region
        await twilio.text(AMINA, "2")
        await twilio.text(AMINA, "prefer not to say")  # age group
        menu = "\n".join(await twilio.text(AMINA, "1"))  # gender
        assert "1) Agenda for the peace talks" in menu

        question = "\n".join(await twilio.text(AMINA, "agenda for the peace talks"))
        assert "Which issues matter most to you?" in question
        assert "Reply with up to 3 numbers, e.g. 1 3" in question
        assert "3) Land and property" in question
        assert "Done" not in question
        top = "\n".join(await twilio.text(AMINA, "1 3,6"))
        assert "And which one issue is the most important to you?" in top
        scale = "\n".join(await twilio.text(AMINA, "land and propety"))  # a typo
        assert "1 = Not at all confident ... 5 = Very confident" in scale
        await twilio.text(AMINA, "4")
        displaced = "\n".join(await twilio.text(AMINA, "3"))  # who at the table
        assert "Are you living away from your home" in displaced
        await twilio.text(AMINA, "Yes")  # also a Twilio opt-in word: still an answer
        await twilio.text(AMINA, "skip")  # home region (optional)
        done = "\n".join(await twilio.text(AMINA, "Please open the road to the market."))
        assert "Thank you" in done

    assert one_segment_each(twilio.received(AMINA))
    assert {s.sender for s in twilio.sent} == {twilio.shortcode}
    answers = await rows(
        settings,
        "SELECT question_id, choice, number, text FROM answers WHERE poll_id = 'agenda' "
        "ORDER BY id",
    )
    assert answers == [
        ("priority_issues", "security", None, None),
        ("priority_issues", "land_property", None, None),
        ("priority_issues", "return_displaced", None, None),
        ("top_issue", "land_property", None, None),
        ("confidence", "4", None, None),
        ("who_at_table", "with_civil_society_women_youth", None, None),
        ("displaced", "yes", None, None),
        ("home_region", None, None, None),
        ("message_to_mediators", None, None, "Please open the road to the market."),
    ]
    # The number is kept only where messages are sent from; answers carry a pseudonym.
    (participant,) = await rows(settings, "SELECT id, state FROM participants")
    assert AMINA not in str(participant)
    assert "last_active" in str(participant[1])  # kept for slow answers
    assert await rows(settings, "SELECT channel, address FROM chat_addresses") == [("sms", AMINA)]
    (respondent,) = await rows(settings, "SELECT DISTINCT respondent FROM answers")
    assert respondent[0] == participant[0]


async def test_arabic_citizen_by_africastalking(
    africastalking: FakeAfricasTalking, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = sms_settings(africastalking, tmp_path, deployment_folder)
    at = africastalking
    async with running(settings):
        await at.text(KARIM, "مرحبا")
        notice = await at.text(KARIM, "العربية")  # read the notice in Arabic
        assert "وحدة دعم الحوار في ميريديا" in notice[0]
        assert "1) أوافق\n2) لا، شكراً\n3) English\n4) Français" in "\n".join(notice)
        parts = [p for message in notice for p in split(message)]
        assert len(parts) == len(notice)
        arabic = [p for p in parts if "ا" in p.text]
        assert arabic and all(p.encoding == "UCS-2" and p.units <= 67 for p in arabic)

        language = "\n".join(await at.text(KARIM, "اوافق"))  # I agree, written loosely
        assert "ما اللغة التي تفضّل استخدامها؟" in language
        region = "\n".join(await at.text(KARIM, "١"))  # Arabic-Indic digit: العربية
        assert "في أي منطقة تعيش الآن؟" in region
        await at.text(KARIM, "٢")
        await at.text(KARIM, "افضل عدم الاجابة")  # age: typed without hamzas
        menu = "\n".join(await at.text(KARIM, "1"))
        assert "1) جدول أعمال محادثات السلام" in menu
        question = "\n".join(await at.text(KARIM, "1"))
        assert "أرسل حتى 3 أرقام، مثلاً 1 3" in question
        await at.text(KARIM, "١ ٢")
        await at.text(KARIM, "العدالة والمساءلة")
        await at.text(KARIM, "٥")
        await at.text(KARIM, "لا اعرف")
        done = "\n".join(await at.text(KARIM, "نريد السلام"))
        assert "شكراً" in done

    assert one_segment_each(at.received(KARIM))
    answers = await rows(
        settings,
        "SELECT question_id, choice, text FROM answers WHERE poll_id = 'agenda' ORDER BY id",
    )
    assert answers == [
        ("priority_issues", "security", None),
        ("priority_issues", "justice_accountability", None),
        ("top_issue", "justice_accountability", None),
        ("confidence", "5", None),
        ("who_at_table", "dont_know", None),
        ("message_to_mediators", None, "نريد السلام"),
    ]
    assert await rows(settings, "SELECT language FROM participants") == [("ar",)]
    assert {s.sender for s in at.sent} == {"21212"}


async def test_forged_or_missing_signatures_are_refused(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = sms_settings(twilio, tmp_path, deployment_folder)
    async with running(settings):
        form = twilio.webhook_form(AMINA, "1")
        assert await twilio.post_webhook(form) == 403
        forged = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
        assert await twilio.post_webhook(form, headers=forged) == 403
        wrong_key = twilio_signature("another-account-token", twilio.webhook_url, form)
        assert await twilio.post_webhook(form, headers={"X-Twilio-Signature": wrong_key}) == 403
        signed = twilio_signature(twilio.auth_token, twilio.webhook_url, form)
        tampered = {**form, "Body": "2"}
        assert await twilio.post_webhook(tampered, headers={"X-Twilio-Signature": signed}) == 403
        not_ascii = {"X-Twilio-Signature": "sïgnatüre=="}  # a wrong credential, not a 500
        assert await twilio.post_webhook(form, headers=not_ascii) == 403
    assert twilio.sent == []
    assert await rows(settings, "SELECT count(*) FROM participants") == [(0,)]
    assert await rows(settings, "SELECT count(*) FROM processed_updates") == [(0,)]


async def test_africastalking_callback_without_the_key_is_refused(
    africastalking: FakeAfricasTalking,
    tmp_path: Path,
    deployment_folder: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = sms_settings(africastalking, tmp_path, deployment_folder)
    at = africastalking
    async with running(settings):
        form = at.callback_form(KARIM, "hello")
        assert await at.post_webhook(form) == 403
        assert await at.post_webhook(form, url=f"{at.webhook_url}?key=guess") == 403
        assert await at.post_webhook(form, url=f"{at.webhook_url}?key=clé") == 403
        assert await at.post_webhook(form, url=f"{at.webhook_url}?key={at.key}") == 200
    assert len(at.received(KARIM)) >= 1
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals == ["refused an SMS webhook request without a valid africastalking key"] * 3


async def test_a_redelivered_message_is_processed_once(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = sms_settings(twilio, tmp_path, deployment_folder)
    async with running(settings):
        await twilio.text(AMINA, "hi")
        assert await twilio.deliver(AMINA, "1", message_id="SM" + "a" * 32) == 200
        sent = len(twilio.sent)
        assert await twilio.deliver(AMINA, "1", message_id="SM" + "a" * 32) == 200
        assert len(twilio.sent) == sent
    ((state,),) = await rows(settings, "SELECT state FROM participants")
    assert '"stage": "language"' in str(state) or "'stage': 'language'" in str(state)
    assert await rows(settings, "SELECT count(*) FROM processed_updates") == [(2,)]


async def test_stop_mid_poll_then_start(
    africastalking: FakeAfricasTalking, tmp_path: Path, deployment_folder: Path
) -> None:
    """Africa's Talking leaves keywords to the application: PeacePulse alone honours STOP."""
    at = africastalking
    settings = sms_settings(at, tmp_path, deployment_folder)
    other = "+23566000003"
    async with running(settings):
        for number in (AMINA, other):
            for typed in ("hi", "1", "1", "1", "1", "1"):
                await at.text(number, typed)  # onboarded
            opened = await at.text(number, "1")  # the agenda poll
            assert "Which issues matter most to you?" in "\n".join(opened)

        stopped = await at.text(AMINA, "STOP")
        assert stopped == [stopped[0]] and "no more messages" in stopped[0]
        # nothing at all until START: each SMS costs, and carriers refuse them (Twilio 21610)
        for typed in ("1 2", "help", "INFO", "polls", "/polls", "STOP", "hello", "mydata"):
            assert await at.text(AMINA, typed) == [], typed

        job, queued = await queue_broadcast(settings, None, {"en": "Talks resume Monday."}, None)
        assert queued == 1  # only the participant who did not stop
        await settled(settings, job)
        assert "Talks resume Monday." in at.received(other)
        assert "Talks resume Monday." not in at.received(AMINA)

        resumed = "\n".join(await at.text(AMINA, "start"))
        assert "Welcome back" in resumed
        assert "Which issues matter most to you?" in resumed
        job, queued = await queue_broadcast(settings, None, {"en": "Results are out."}, None)
        assert queued == 2
        await settled(settings, job)
        assert "Results are out." in at.received(AMINA)
    stored = await rows(settings, "SELECT count(*) FROM answers")
    assert stored == [(0,)]  # the "1 2" sent while stopped was not taken as an answer


async def test_twilio_stop_words_stop_here_too(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    settings = sms_settings(twilio, tmp_path, deployment_folder)
    async with running(settings):
        for typed in ("hi", "1", "1", "1", "1", "1", "1"):
            await twilio.text(AMINA, typed)
        assert AMINA not in twilio.opted_out
        await twilio.deliver(AMINA, "cancel")  # Twilio blocks the number and tells us
        assert AMINA in twilio.opted_out
        sent = len(twilio.sent)
        for typed in ("polls", "HELP", "INFO", "1"):  # each was answered "Messages are paused"
            assert await twilio.text(AMINA, typed) == [], typed
        assert len(twilio.sent) == sent  # not even tried (Twilio would refuse: 21610)
        job, queued = await queue_broadcast(settings, None, {"en": "News."}, None)
        assert queued == 0
    assert await rows(settings, "SELECT opted_out FROM participants") == [(True,)]


async def settled(settings: object, job: str) -> None:
    """Wait until the running dispatcher has settled every message of ``job``."""
    for _ in range(500):
        counts = await job_counts(settings, job)  # type: ignore[arg-type]
        if not counts.get("queued") and not counts.get("sending"):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{job} was not sent within 10 s: {counts}")


async def test_sms_beside_telegram(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    from tests.fakes.bot_api import FakeBotApi

    token = "123456:TEST-token-for-the-fake-server"
    async with FakeBotApi(token=token) as api:
        settings = sms_settings(
            twilio,
            tmp_path,
            deployment_folder,
            telegram_token=token,
            telegram_api_url=api.base_url,
        )
        async with running(settings):
            citizen = api.citizen()
            await citizen.send("/start")
            assert "Do you agree to take part?" in await citizen.wait_for_reply()
            assert "1) I agree" in "\n".join(await twilio.text(AMINA, "hello"))
    channels = await rows(settings, "SELECT count(*) FROM processed_updates")
    assert channels == [(2,)]  # one update from each channel


async def test_the_notice_is_in_the_language_written_and_the_one_chosen(
    twilio: FakeTwilio, tmp_path: Path, deployment_folder: Path
) -> None:
    """A first text in Arabic or French gets the notice in that language; an option typed on
    a notice answers that notice (nothing is stored before consent: the notice's language is
    kept in memory only). Picking English on the Arabic notice gave French; declining the
    Arabic notice was answered in English."""
    settings = sms_settings(twilio, tmp_path, deployment_folder)
    omar, lea, sara = "+23566000011", "+23566000012", "+23566000013"
    async with running(settings):
        assert "1) أوافق" in "\n".join(await twilio.text(omar, "مرحبا"))
        english = "\n".join(await twilio.text(omar, "3"))  # "3) English" on the Arabic notice
        assert "1) I agree" in english and "Do you agree to take part?" in english
        arabic = "\n".join(await twilio.text(omar, "4"))  # "4) العربية" on the English notice
        assert "1) أوافق" in arabic
        declined = "\n".join(await twilio.text(omar, "2"))  # "2) لا، شكراً"
        assert "لم نحفظ أي شيء عنك" in declined

        french = "\n".join(await twilio.text(lea, "Bonjour, je voudrais participer"))
        assert "Acceptez-vous de participer ?" in french and "1) J'accepte" in french
        assert "Dans quelle langue" in "\n".join(await twilio.text(lea, "1"))

        await twilio.text(sara, "مرحبا")
        await twilio.text(sara, "3")  # English
        assert "Which language would you like to use?" in "\n".join(await twilio.text(sara, "1"))
    assert await rows(settings, "SELECT count(*) FROM participants") == [(2,)]
