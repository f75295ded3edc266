"""The bot's own words in every supported language.

Deployment content (polls, notices) carries its own translations; these are the texts around
it. A language the catalogue lacks falls back to English, so a deployment can add a language
for its content before the interface is translated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conversations.community_texts import COMMUNITY_TEXTS
from conversations.i18n_consultations import CONSULTATION_TEXTS
from conversations.i18n_reports import REPORT_TEXTS
from conversations.i18n_web import WEB_TEXTS

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "sw": "Kiswahili",
    "es": "Español",
    "pt": "Português",
    "ru": "Русский",
    "uk": "Українська",
    "so": "Soomaali",
    "am": "አማርኛ",
    "ha": "Hausa",
    "ps": "پښتو",
    "fa": "فارسی",
    "ku": "Kurdî",
    "tr": "Türkçe",
    "my": "မြန်မာ",
}

CATALOGUE: dict[str, dict[str, str]] = {
    "agree": {"en": "I agree", "fr": "J'accepte", "ar": "أوافق"},
    "decline": {"en": "No, thanks", "fr": "Non, merci", "ar": "لا، شكراً"},
    "notice_footer": {
        "en": "Do you agree to take part?",
        "fr": "Acceptez-vous de participer ?",
        "ar": "هل توافق على المشاركة؟",
    },
    "declined": {
        "en": "Understood. We have stored nothing about you. Send /start if you change your mind.",
        "fr": "C'est noté. Nous n'avons rien enregistré à votre sujet. "
        "Envoyez /start si vous changez d'avis.",
        "ar": "حسناً. لم نحفظ أي شيء عنك. أرسل /start إذا غيّرت رأيك.",
    },
    "choose_language": {
        "en": "Which language would you like to use?",
        "fr": "Dans quelle langue souhaitez-vous continuer ?",
        "ar": "ما اللغة التي تفضّل استخدامها؟",
    },
    "profile_intro": {
        "en": "A few optional questions help show whether every group is heard. "
        "You can skip any of them.",
        "fr": "Quelques questions facultatives permettent de vérifier que tous les groupes "
        "sont entendus. Vous pouvez passer chacune d'elles.",
        "ar": "بعض الأسئلة الاختيارية تساعدنا على التأكد من أن صوت كل الفئات مسموع. "
        "يمكنك تخطي أي منها.",
    },
    "prefer_not": {
        "en": "Prefer not to say",
        "fr": "Je préfère ne pas répondre",
        "ar": "أفضّل عدم الإجابة",
    },
    "onboarded": {
        "en": "Thank you! You can now take part in the polls below.",
        "fr": "Merci ! Vous pouvez maintenant répondre aux sondages ci-dessous.",
        "ar": "شكراً لك! يمكنك الآن المشاركة في الاستطلاعات أدناه.",
    },
    "menu": {
        "en": "Choose a poll to answer:",
        "fr": "Choisissez un sondage :",
        "ar": "اختر استطلاعاً للإجابة عليه:",
    },
    "no_polls": {
        "en": "There is no poll open right now. We will let you know when there is one.",
        "fr": "Aucun sondage n'est ouvert pour le moment. Nous vous préviendrons.",
        "ar": "لا يوجد استطلاع مفتوح حالياً. سنخبرك عندما يتوفر استطلاع.",
    },
    "already_done": {
        "en": "You have already answered “{title}”. Thank you!",
        "fr": "Vous avez déjà répondu à « {title} ». Merci !",
        "ar": "لقد أجبت بالفعل على «{title}». شكراً لك!",
    },
    "poll_done": {
        "en": "Thank you! Your answers to “{title}” are saved.",
        "fr": "Merci ! Vos réponses à « {title} » sont enregistrées.",
        "ar": "شكراً لك! تم حفظ إجاباتك على «{title}».",
    },
    "progress": {
        "en": "Question {n} of {total}",
        "fr": "Question {n} sur {total}",
        "ar": "السؤال {n} من {total}",
    },
    "skip": {"en": "Skip", "fr": "Passer", "ar": "تخطي"},
    "done": {"en": "Done ✔", "fr": "Terminé ✔", "ar": "تم ✔"},
    "multi_hint": {
        "en": "Tap all that apply, then Done.",
        "fr": "Touchez toutes les réponses qui s'appliquent, puis Terminé.",
        "ar": "اختر كل ما ينطبق، ثم اضغط تم.",
    },
    "multi_hint_max": {
        "en": "Tap up to {max}, then Done.",
        "fr": "Choisissez jusqu'à {max} réponses, puis Terminé.",
        "ar": "اختر حتى {max}، ثم اضغط تم.",
    },
    "multi_none": {
        "en": "Please choose at least one option, then tap Done.",
        "fr": "Veuillez choisir au moins une réponse, puis touchez Terminé.",
        "ar": "يرجى اختيار خيار واحد على الأقل، ثم اضغط تم.",
    },
    "multi_max": {
        "en": "You can choose up to {max}. Untick one first.",
        "fr": "Vous pouvez en choisir {max} au maximum. Décochez-en une d'abord.",
        "ar": "يمكنك اختيار {max} كحد أقصى. ألغِ اختيار أحدها أولاً.",
    },
    "scale_hint": {
        "en": "{min} = {min_label} … {max} = {max_label}",
        "fr": "{min} = {min_label} … {max} = {max_label}",
        "ar": "{min} = {min_label} … {max} = {max_label}",
    },
    "number_hint": {
        "en": "Please type a number from {min} to {max}.",
        "fr": "Veuillez écrire un nombre entre {min} et {max}.",
        "ar": "يرجى كتابة رقم من {min} إلى {max}.",
    },
    "number_invalid": {
        "en": "“{text}” is not a number I can read. Please type a number from {min} to {max}.",
        "fr": "Je ne peux pas lire « {text} » comme un nombre. "
        "Veuillez écrire un nombre entre {min} et {max}.",
        "ar": "لا أستطيع قراءة «{text}» كرقم. يرجى كتابة رقم من {min} إلى {max}.",
    },
    "number_whole": {
        "en": "Please type a whole number (no decimals) from {min} to {max}.",
        "fr": "Veuillez écrire un nombre entier (sans décimales) entre {min} et {max}.",
        "ar": "يرجى كتابة عدد صحيح (بدون كسور) من {min} إلى {max}.",
    },
    "number_range": {
        "en": "{value} is outside the range. Please type a number from {min} to {max}.",
        "fr": "{value} est hors limites. Veuillez écrire un nombre entre {min} et {max}.",
        "ar": "{value} خارج النطاق. يرجى كتابة رقم من {min} إلى {max}.",
    },
    "text_hint": {
        "en": "Please type your answer (up to {max} characters).",
        "fr": "Écrivez votre réponse ({max} caractères au maximum).",
        "ar": "اكتب إجابتك (حتى {max} حرفاً).",
    },
    "text_too_long": {
        "en": "Your answer has {length} characters; the limit is {max}. "
        "Please shorten it and send it again.",
        "fr": "Votre réponse compte {length} caractères ; la limite est de {max}. "
        "Veuillez la raccourcir et la renvoyer.",
        "ar": "إجابتك تحتوي على {length} حرفاً، والحد الأقصى {max}. يرجى اختصارها وإرسالها مجدداً.",
    },
    "text_empty": {
        "en": "Your answer is empty. Please type a few words.",
        "fr": "Votre réponse est vide. Veuillez écrire quelques mots.",
        "ar": "إجابتك فارغة. يرجى كتابة بضع كلمات.",
    },
    "use_buttons": {
        "en": "Please choose one of the options below.",
        "fr": "Veuillez choisir l'une des réponses ci-dessous.",
        "ar": "يرجى اختيار أحد الخيارات أدناه.",
    },
    "unsupported": {
        "en": "Sorry, I can only read text messages and button presses.",
        "fr": "Désolé, je ne peux lire que des messages texte et des boutons.",
        "ar": "عذراً، لا أستطيع قراءة سوى الرسائل النصية والأزرار.",
    },
    "expired": {
        "en": "This button has expired. Here is where we are now:",
        "fr": "Ce bouton n'est plus valable. Voici où nous en sommes :",
        "ar": "انتهت صلاحية هذا الزر. إليك أين وصلنا الآن:",
    },
    "unknown_command": {
        "en": "I don't know that command. /help lists what I understand.",
        "fr": "Je ne connais pas cette commande. /help liste celles que je comprends.",
        "ar": "لا أعرف هذا الأمر. يعرض /help الأوامر التي أفهمها.",
    },
    "welcome_back": {
        "en": "Welcome back! Let's continue where you stopped.",
        "fr": "Bon retour ! Reprenons là où vous vous étiez arrêté.",
        "ar": "مرحباً بعودتك! لنكمل من حيث توقفت.",
    },
    "help": {
        "en": "{organization} uses this chat to hear people's views on the peace process.\n"
        "/polls – the polls you can answer\n"
        "/consult – take part in a consultation\n"
        "/language – change language\n"
        "/subscribe – choose updates to receive\n"
        "/mydata – see what we hold about you\n"
        "/forget – erase your data\n"
        "/stop – pause all messages from us\n"
        "/start – start or continue\n"
        "Contact: {contact}",
        "fr": "{organization} utilise cette discussion pour entendre l'avis de la population "
        "sur le processus de paix.\n"
        "/polls – les sondages disponibles\n"
        "/consult – participer à une consultation\n"
        "/language – changer de langue\n"
        "/subscribe – choisir les informations à recevoir\n"
        "/mydata – voir ce que nous conservons sur vous\n"
        "/forget – effacer vos données\n"
        "/stop – suspendre tous nos messages\n"
        "/start – commencer ou reprendre\n"
        "Contact : {contact}",
        "ar": "تستخدم {organization} هذه المحادثة للاستماع إلى آراء الناس حول عملية السلام.\n"
        "/polls – الاستطلاعات المتاحة\n"
        "/consult – المشاركة في مشاورة\n"
        "/language – تغيير اللغة\n"
        "/subscribe – اختيار التحديثات\n"
        "/mydata – عرض البيانات المحفوظة عنك\n"
        "/forget – محو بياناتك\n"
        "/stop – إيقاف جميع رسائلنا مؤقتاً\n"
        "/start – البدء أو المتابعة\n"
        "للتواصل: {contact}",
    },
    "left_poll": {
        "en": "Your answers so far are saved; you can come back to this poll at any time.",
        "fr": "Vos réponses sont enregistrées ; vous pourrez reprendre ce sondage à tout moment.",
        "ar": "تم حفظ إجاباتك حتى الآن؛ يمكنك العودة إلى هذا الاستطلاع في أي وقت.",
    },
    "stopped": {
        "en": "You will get no more messages from us. Your answers stay saved. "
        "Send /start whenever you want to continue.",
        "fr": "Vous ne recevrez plus de messages de notre part. Vos réponses restent "
        "enregistrées. Envoyez /start pour reprendre.",
        "ar": "لن تصلك رسائل منا بعد الآن. تبقى إجاباتك محفوظة. أرسل /start متى أردت المتابعة.",
    },
    "paused": {
        "en": "Messages are paused. Send /start to continue.",
        "fr": "Les messages sont suspendus. Envoyez /start pour reprendre.",
        "ar": "الرسائل متوقفة مؤقتاً. أرسل /start للمتابعة.",
    },
    "forget_confirm": {
        "en": "This erases your profile, your written answers and your chat address. "
        "Your choices in polls stay in the totals, with nothing that links them to you. "
        "Erase your data?",
        "fr": "Cela efface votre profil, vos réponses écrites et votre adresse de discussion. "
        "Vos choix restent dans les totaux, sans rien qui les relie à vous. "
        "Effacer vos données ?",
        "ar": "سيؤدي هذا إلى محو ملفك الشخصي وإجاباتك المكتوبة وعنوان محادثتك. "
        "تبقى اختياراتك في المجاميع دون أي شيء يربطها بك. هل تريد محو بياناتك؟",
    },
    "forget_yes": {"en": "Yes, erase", "fr": "Oui, effacer", "ar": "نعم، امحُ"},
    "forget_no": {"en": "Cancel", "fr": "Annuler", "ar": "إلغاء"},
    "forgotten": {
        "en": "Your data has been erased. Thank you for taking part. "
        "Send /start if you want to join again.",
        "fr": "Vos données ont été effacées. Merci d'avoir participé. "
        "Envoyez /start si vous souhaitez revenir.",
        "ar": "تم محو بياناتك. شكراً لمشاركتك. أرسل /start إذا أردت الانضمام مجدداً.",
    },
    "forget_cancelled": {
        "en": "Nothing was erased.",
        "fr": "Rien n'a été effacé.",
        "ar": "لم يُمحَ أي شيء.",
    },
    "nothing_held": {
        "en": "We hold no data about you.",
        "fr": "Nous ne conservons aucune donnée vous concernant.",
        "ar": "لا نحتفظ بأي بيانات عنك.",
    },
    "mydata_title": {
        "en": "What we hold about you (under a pseudonym, never your name or number):",
        "fr": "Ce que nous conservons sur vous (sous un pseudonyme, jamais votre nom "
        "ni votre numéro) :",
        "ar": "ما نحتفظ به عنك (باسم مستعار، وليس باسمك أو رقمك أبداً):",
    },
    "mydata_language": {
        "en": "Language: {value}",
        "fr": "Langue : {value}",
        "ar": "اللغة: {value}",
    },
    "mydata_profile": {"en": "Profile:", "fr": "Profil :", "ar": "الملف الشخصي:"},
    "mydata_no_answers": {
        "en": "No poll answers yet.",
        "fr": "Aucune réponse à un sondage pour l'instant.",
        "ar": "لا توجد إجابات على استطلاعات بعد.",
    },
    "mydata_footer": {
        "en": "/forget erases this.",
        "fr": "/forget efface ces données.",
        "ar": "يمحو /forget هذه البيانات.",
    },
    "not_answered": {"en": "not answered", "fr": "sans réponse", "ar": "لم تتم الإجابة"},
    "skipped": {"en": "skipped", "fr": "passée", "ar": "تم التخطي"},
    "internal_error": {
        "en": "Sorry, something went wrong on our side and your last message was not saved. "
        "Please try again in a moment.",
        "fr": "Désolé, un problème est survenu de notre côté et votre dernier message n'a pas "
        "été enregistré. Veuillez réessayer dans un instant.",
        "ar": "عذراً، حدث خطأ من جهتنا ولم تُحفظ رسالتك الأخيرة. يرجى المحاولة مجدداً بعد قليل.",
    },
    "stop_words": {
        "en": "stop|stopall|unsubscribe",
        "fr": "stop|arret|arrêt",
        "ar": "توقف|إيقاف|ايقاف|قف",
    },
    "start_words": {"en": "start|unstop", "fr": "start|commencer", "ar": "ابدأ|ابدا"},
    "no_topics": {
        "en": "There are no topics to subscribe to.",
        "fr": "Il n'y a aucun sujet auquel s'abonner.",
        "ar": "لا توجد مواضيع للاشتراك فيها.",
    },
    "not_subscribed": {
        "en": "You are not subscribed to any updates.",
        "fr": "Vous n'êtes abonné à aucune information.",
        "ar": "أنت غير مشترك في أي تحديثات.",
    },
    "unsubscribed": {
        "en": "You will get no more updates on: {topics}.",
        "fr": "Vous ne recevrez plus d'informations sur : {topics}.",
        "ar": "لن تصلك تحديثات بعد الآن حول: {topics}.",
    },
    "subscribe_prompt": {
        "en": "Which updates would you like to receive? Tap to tick or untick, then Done.",
        "fr": "Quelles informations souhaitez-vous recevoir ? Touchez pour cocher ou décocher, "
        "puis Terminé.",
        "ar": "ما التحديثات التي تود استلامها؟ اضغط للاختيار أو الإلغاء، ثم تم.",
    },
    "subscriptions_saved": {
        "en": "Your choice of updates is saved.",
        "fr": "Vos choix d'abonnement sont enregistrés.",
        "ar": "تم حفظ اختياراتك للتحديثات.",
    },
    "mydata_topics": {
        "en": "Updates on: {topics}",
        "fr": "Informations sur : {topics}",
        "ar": "تحديثات حول: {topics}",
    },
    "round": {
        "en": "{title} (round {n})",
        "fr": "{title} (vague {n})",
        "ar": "{title} (الجولة {n})",
    },
    "wave_closed": {
        "en": "This round of the poll has closed. Thank you for your answers.",
        "fr": "Cette vague du sondage est close. Merci pour vos réponses.",
        "ar": "أُغلقت هذه الجولة من الاستطلاع. شكراً على إجاباتك.",
    },
    "invitation": {
        "en": "A new round of “{title}” is open until {closes}. {intro}",
        "fr": "Une nouvelle vague de « {title} » est ouverte jusqu'au {closes}. {intro}",
        "ar": "جولة جديدة من «{title}» مفتوحة حتى {closes}. {intro}",
    },
    "reminder": {
        "en": "A reminder: this round of “{title}” closes on {closes}. Your answers count.",
        "fr": "Un rappel : cette vague de « {title} » se termine le {closes}. "
        "Vos réponses comptent.",
        "ar": "تذكير: تُغلق هذه الجولة من «{title}» في {closes}. إجاباتك مهمة.",
    },
    "take_part": {"en": "Take part", "fr": "Participer", "ar": "شارك"},
    "shareback_intro": {
        "en": "Results of “{title}”, as promised: {respondents} people answered.",
        "fr": "Résultats de « {title} », comme promis : {respondents} personnes ont répondu.",
        "ar": "نتائج «{title}» كما وعدناكم: أجاب {respondents} شخصًا.",
    },
    "shareback_intro_wave": {
        "en": "Results of “{title}” (round {wave}), as promised: {respondents} people answered.",
        "fr": "Résultats de « {title} » (vague {wave}), comme promis : "
        "{respondents} personnes ont répondu.",
        "ar": "نتائج «{title}» (الجولة {wave}) كما وعدناكم: أجاب {respondents} شخصًا.",
    },
    "shareback_region": {
        "en": "In your region, {region}, among those who answered:",
        "fr": "Dans votre région, {region}, parmi les personnes qui ont répondu :",
        "ar": "في منطقتك، {region}، بين من أجابوا:",
    },
    "shareback_region_n": {"en": "{n} people", "fr": "{n} personnes", "ar": "{n} شخصاً"},
    "shareback_link": {
        "en": "All the published figures: {link}",
        "fr": "Tous les chiffres publiés : {link}",
        "ar": "كل الأرقام المنشورة: {link}",
    },
    "shareback_average": {
        "en": "average {value}",
        "fr": "moyenne {value}",
        "ar": "المتوسط {value}",
    },
    "shareback_note": {
        "en": "Shares are weighted to match the population. Groups of fewer than {k} people "
        "are never shown. Thank you for taking part.",
        "fr": "Les pourcentages sont pondérés pour correspondre à la population. Les groupes "
        "de moins de {k} personnes ne sont jamais montrés. Merci de votre participation.",
        "ar": "النسب مرجّحة لتطابق تركيبة السكان. لا تُعرض أبدًا المجموعات التي تقل عن {k} "
        "أشخاص. شكرًا لمشاركتك.",
    },
    "shareback_opt_in": {
        "en": "These are the views of the people who chose to answer, not of everybody.",
        "fr": "Ce sont les avis des personnes qui ont choisi de répondre, pas de tout le monde.",
        "ar": "هذه آراء من اختاروا الإجابة، لا آراء الجميع.",
    },
    "shareback_close": {
        "en": "≈: too close to tell which is ahead.",
        "fr": "≈ : trop proches pour dire lequel est devant.",
        "ar": "≈: متقاربة جدًا فلا يمكن معرفة أيّها في المقدمة.",
    },
    "shareback_note_unweighted": {
        "en": "Groups of fewer than {k} people are never shown. Thank you for taking part.",
        "fr": "Les groupes de moins de {k} personnes ne sont jamais montrés. "
        "Merci de votre participation.",
        "ar": "لا تُعرض أبدًا المجموعات التي تقل عن {k} أشخاص. شكرًا لمشاركتك.",
    },
    # --- channels without buttons (SMS) ---
    "help_words": {"en": "help|info", "fr": "aide|info", "ar": "مساعدة|مساعده"},
    "multi_hint_typed": {
        "en": "Reply with the numbers of all that apply, e.g. 1 3",
        "fr": "Répondez avec les numéros de toutes les réponses qui s'appliquent, ex. 1 3",
        "ar": "أرسل أرقام كل ما ينطبق، مثلاً 1 3",
    },
    "multi_hint_max_typed": {
        "en": "Reply with up to {max} numbers, e.g. 1 3",
        "fr": "Répondez avec {max} numéros au plus, ex. 1 3",
        "ar": "أرسل حتى {max} أرقام، مثلاً 1 3",
    },
    "subscribe_prompt_typed": {
        "en": "Which updates would you like to receive? Reply with their numbers, e.g. 1 2",
        "fr": "Quelles informations souhaitez-vous recevoir ? Répondez avec leurs numéros, ex. 1 2",
        "ar": "ما التحديثات التي تود استلامها؟ أرسل أرقامها، مثلاً 1 2",
    },
    "forget_typed": {
        "en": "To erase, reply: FORGET YES",
        "fr": "Pour effacer, répondez : FORGET OUI",
        "ar": "للمحو، أرسل: FORGET نعم",
    },
    "and_words": {"en": "and|&", "fr": "et", "ar": "و"},
    "yes_words": {"en": "yes|y", "fr": "oui|o", "ar": "نعم"},
    "conversation_expired": {
        "en": "Welcome back! It has been a while, so here is the question again:",
        "fr": "Bon retour ! Cela fait un moment, voici de nouveau la question :",
        "ar": "مرحباً بعودتك! مرّ بعض الوقت، وهذا هو السؤال مرة أخرى:",
    },
    **COMMUNITY_TEXTS,
    **CONSULTATION_TEXTS,
    **REPORT_TEXTS,
    **WEB_TEXTS,
}


def translate(key: str, language: str, **values: Any) -> str:
    """The catalogue text ``key`` in ``language`` (English if missing), formatted."""
    texts = CATALOGUE[key]
    template = texts.get(language) or texts["en"]
    return template.format(**values) if values else template


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}
_DATE_TIME = {
    "en": "{day} {month} {year}, {hour:02d}:{minute:02d} {zone}",
    "fr": "{day} {month} {year} à {hour:02d} h {minute:02d} ({zone})",
    # Arabic: the same order read right to left; Western digits, as Arabic messaging apps show
    "ar": "{day} {month} {year}، الساعة {hour:02d}:{minute:02d} ({zone})",
}


def format_datetime(moment: datetime, language: str) -> str:
    """A date and time as a reader of ``language`` writes it: the month by name (English,
    French, Arabic; English otherwise) and the time zone of ``moment``."""
    months = _MONTHS.get(language, _MONTHS["en"]).split()
    template = _DATE_TIME.get(language, _DATE_TIME["en"])
    return template.format(
        day=moment.day,
        month=months[moment.month - 1],
        year=moment.year,
        hour=moment.hour,
        minute=moment.minute,
        zone=moment.tzname() or "",
    )
