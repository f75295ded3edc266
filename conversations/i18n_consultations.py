"""The bot's own words around consultations, in English, French and Arabic.

Merged into `conversations.i18n.CATALOGUE`; kept apart so that the consultation texts read
together.
"""

from __future__ import annotations

CONSULTATION_TEXTS: dict[str, dict[str, str]] = {
    "consult_menu": {
        "en": "💬 marks a consultation: say in your own words what you think, then vote on "
        "what others said.",
        "fr": "💬 signale une consultation : dites avec vos mots ce que vous pensez, puis votez "
        "sur ce que d'autres ont dit.",
        "ar": "💬 تشير إلى مشاورة: قل بكلماتك ما تفكر فيه، ثم صوّت على ما قاله الآخرون.",
    },
    "consult_none": {
        "en": "There is no consultation open for you right now.",
        "fr": "Aucune consultation ne vous est ouverte pour le moment.",
        "ar": "لا توجد مشاورة مفتوحة لك حالياً.",
    },
    "consult_choose": {
        "en": "Which consultation would you like to join?",
        "fr": "À quelle consultation souhaitez-vous participer ?",
        "ar": "في أي مشاورة تود المشاركة؟",
    },
    "consult_closed": {
        "en": "This consultation is closed. Thank you for your interest.",
        "fr": "Cette consultation est close. Merci de votre intérêt.",
        "ar": "هذه المشاورة مغلقة. شكراً لاهتمامك.",
    },
    "consult_answer_hint": {
        "en": "Please write your answer in your own words (up to {max} characters), in any "
        "language. Do not include names, phone numbers or other personal details.",
        "fr": "Écrivez votre réponse avec vos mots ({max} caractères au maximum), dans la "
        "langue de votre choix. N'indiquez ni noms, ni numéros de téléphone, ni autres "
        "données personnelles.",
        "ar": "اكتب إجابتك بكلماتك (حتى {max} حرفاً)، بأي لغة. لا تذكر أسماء أو أرقام هواتف "
        "أو أي بيانات شخصية أخرى.",
    },
    "consult_answered": {
        "en": "Thank you, your answer is saved.",
        "fr": "Merci, votre réponse est enregistrée.",
        "ar": "شكراً لك، تم حفظ إجابتك.",
    },
    "consult_statement_prompt": {
        "en": "You can also write a short statement that others can agree or disagree with "
        "(up to {max} characters), e.g. “The committee should include women from every "
        "region.” Or go on to vote on what others wrote.",
        "fr": "Vous pouvez aussi écrire une courte proposition avec laquelle d'autres pourront "
        "être d'accord ou non ({max} caractères au maximum), par exemple « Le comité doit "
        "inclure des femmes de chaque région. » Ou passez au vote sur ce que d'autres ont écrit.",
        "ar": "يمكنك أيضاً كتابة عبارة قصيرة يمكن للآخرين أن يوافقوا عليها أو يرفضوها (حتى {max} "
        "حرفاً)، مثل «يجب أن تضم اللجنة نساء من كل منطقة». أو انتقل إلى التصويت على ما كتبه "
        "الآخرون.",
    },
    "consult_statement_pending": {
        "en": "Thank you. Your statement will be shown to others once a mediator has reviewed it.",
        "fr": "Merci. Votre proposition sera montrée aux autres après relecture par un médiateur.",
        "ar": "شكراً لك. ستُعرض عبارتك على الآخرين بعد أن يراجعها أحد الوسطاء.",
    },
    "consult_statement_shown": {
        "en": "Thank you. Others will now be asked about your statement.",
        "fr": "Merci. Votre proposition sera maintenant soumise aux autres.",
        "ar": "شكراً لك. سيُسأل الآخرون الآن عن عبارتك.",
    },
    "consult_statement_blocked": {
        "en": "Your statement contains words that cannot be shown here. Please put it differently.",
        "fr": "Votre proposition contient des mots qui ne peuvent pas être montrés ici. "
        "Merci de la formuler autrement.",
        "ar": "تحتوي عبارتك على كلمات لا يمكن عرضها هنا. يرجى صياغتها بطريقة أخرى.",
    },
    "consult_redacted": {
        "en": "We removed personal details (such as phone numbers or e-mail addresses) from it.",
        "fr": "Nous en avons retiré les données personnelles (numéros de téléphone, adresses "
        "e-mail…).",
        "ar": "أزلنا منها البيانات الشخصية (مثل أرقام الهواتف أو عناوين البريد الإلكتروني).",
    },
    "consult_vote_header": {
        "en": "Do you agree with this statement?",
        "fr": "Êtes-vous d'accord avec cette proposition ?",
        "ar": "هل توافق على هذه العبارة؟",
    },
    "consult_agree": {"en": "Agree", "fr": "D'accord", "ar": "أوافق"},
    "consult_disagree": {"en": "Disagree", "fr": "Pas d'accord", "ar": "لا أوافق"},
    "consult_pass": {
        "en": "Pass / unsure",
        "fr": "Passer / je ne sais pas",
        "ar": "تخطي / لست متأكداً",
    },
    "consult_write": {
        "en": "Write a statement",
        "fr": "Écrire une proposition",
        "ar": "اكتب عبارة",
    },
    "consult_to_vote": {
        "en": "Vote on statements",
        "fr": "Voter sur les propositions",
        "ar": "صوّت على العبارات",
    },
    "consult_stop": {"en": "Stop for now", "fr": "Arrêter pour l'instant", "ar": "توقف الآن"},
    "consult_paused": {
        "en": "Thank you. You can come back any time with /consult.",
        "fr": "Merci. Vous pouvez revenir à tout moment avec /consult.",
        "ar": "شكراً لك. يمكنك العودة في أي وقت عبر /consult.",
    },
    "consult_all_voted": {
        "en": "You have seen every statement for now. Thank you! New ones arrive as people "
        "write them: come back later with /consult.",
        "fr": "Vous avez vu toutes les propositions pour le moment. Merci ! D'autres arrivent "
        "au fil des contributions : revenez plus tard avec /consult.",
        "ar": "لقد اطلعت على كل العبارات حتى الآن. شكراً لك! تصل عبارات جديدة كلما كتبها الناس: "
        "عد لاحقاً عبر /consult.",
    },
    "consult_use_buttons": {
        "en": "Please answer with the buttons below, or choose “Write a statement” first.",
        "fr": "Répondez avec les boutons ci-dessous, ou choisissez d'abord « Écrire une "
        "proposition ».",
        "ar": "يرجى الإجابة بالأزرار أدناه، أو اختر «اكتب عبارة» أولاً.",
    },
    "consult_use_buttons_typed": {
        "en": "Please reply with the number or the word of an option below (1 agree, 2 disagree, "
        "3 pass), or choose “Write a statement” first.",
        "fr": "Répondez par le numéro ou le mot d'une réponse ci-dessous (1 d'accord, 2 pas "
        "d'accord, 3 passer), ou choisissez d'abord « Écrire une proposition ».",
        "ar": "يرجى الرد برقم أو كلمة أحد الخيارات أدناه (1 أوافق، 2 لا أوافق، 3 تخطي)، أو اختر "
        "«اكتب عبارة» أولاً.",
    },
    # Short words a person may type for a consultation's buttons, in any language of the
    # deployment ("|" between them; matched with case, accents and punctuation folded).
    "consult_words_vote": {"en": "vote|votes|voting", "fr": "voter|vote|votez", "ar": "تصويت|صوت"},
    "consult_words_write": {
        "en": "write|statement",
        "fr": "écrire|proposition|proposer",
        "ar": "اكتب|كتابة|عبارة",
    },
    "consult_words_agree": {"en": "agree|yes", "fr": "d'accord|accord|oui", "ar": "موافق|نعم"},
    "consult_words_disagree": {
        "en": "disagree|no",
        "fr": "pas d'accord|désaccord|non",
        "ar": "غير موافق|لا",
    },
    "consult_words_pass": {
        "en": "pass|unsure|skip",
        "fr": "passer|passe|je ne sais pas",
        "ar": "تخطي|تخطى|لست متأكدا",
    },
    "consult_followup": {
        "en": "Answer the new question",
        "fr": "Répondre à la nouvelle question",
        "ar": "أجب عن السؤال الجديد",
    },
    "mydata_consult_answer": {"en": "Your answer:", "fr": "Votre réponse :", "ar": "إجابتك:"},
    "mydata_consult_statement": {
        "en": "A statement you wrote:",
        "fr": "Une proposition que vous avez écrite :",
        "ar": "عبارة كتبتها:",
    },
    "mydata_consult_votes": {
        "en": "Votes on statements: {n}",
        "fr": "Votes sur des propositions : {n}",
        "ar": "الأصوات على العبارات: {n}",
    },
}
