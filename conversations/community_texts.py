"""The bot's words for initiatives, sign-ups, staff tools and closed groups, in en/fr/ar.

Part of `conversations.i18n.CATALOGUE` (merged there); kept apart only to keep that file short.
"""

from __future__ import annotations

COMMUNITY_TEXTS: dict[str, dict[str, str]] = {
    "help_community": {
        "en": "/initiatives – local actions you can volunteer for\n"
        "/my_signups – the initiatives you signed up for\n"
        "/join CODE – join a closed group",
        "fr": "/initiatives – les actions locales où vous pouvez vous engager\n"
        "/my_signups – les initiatives où vous êtes inscrit·e\n"
        "/join CODE – rejoindre un groupe fermé",
        "ar": "/initiatives – مبادرات محلية يمكنك التطوع فيها\n"
        "/my_signups – المبادرات التي سجّلت فيها\n"
        "/join CODE – الانضمام إلى مجموعة مغلقة",
    },
    "initiatives_none": {
        "en": "There is no initiative to join at the moment.",
        "fr": "Il n'y a aucune initiative à rejoindre pour le moment.",
        "ar": "لا توجد مبادرات متاحة حالياً.",
    },
    "initiatives_none_region": {
        "en": "There is no initiative in {region} at the moment.",
        "fr": "Il n'y a aucune initiative dans la région {region} pour le moment.",
        "ar": "لا توجد مبادرات في {region} حالياً.",
    },
    "initiatives_title": {
        "en": "Initiatives you can join (page {page} of {pages}):",
        "fr": "Initiatives que vous pouvez rejoindre (page {page} sur {pages}) :",
        "ar": "مبادرات يمكنك الانضمام إليها (الصفحة {page} من {pages}):",
    },
    "initiatives_title_region": {
        "en": "Initiatives in {region} (page {page} of {pages}):",
        "fr": "Initiatives dans la région {region} (page {page} sur {pages}) :",
        "ar": "مبادرات في {region} (الصفحة {page} من {pages}):",
    },
    "previous": {"en": "◀ Previous", "fr": "◀ Précédent", "ar": "◀ السابق"},
    "next": {"en": "Next ▶", "fr": "Suivant ▶", "ar": "التالي ▶"},
    "other_region": {"en": "Another region", "fr": "Autre région", "ar": "منطقة أخرى"},
    "all_regions": {"en": "All regions", "fr": "Toutes les régions", "ar": "كل المناطق"},
    "choose_region": {
        "en": "Which region's initiatives would you like to see?",
        "fr": "Les initiatives de quelle région souhaitez-vous voir ?",
        "ar": "مبادرات أي منطقة تودّ أن ترى؟",
    },
    "back": {"en": "◀ Back", "fr": "◀ Retour", "ar": "◀ رجوع"},
    "places_left": {
        "en": "{left} of {capacity} places left",
        "fr": "{left} places libres sur {capacity}",
        "ar": "{left} من {capacity} أماكن متبقية",
    },
    "places_full": {
        "en": "full – waiting list open",
        "fr": "complet – liste d'attente ouverte",
        "ar": "مكتمل – قائمة الانتظار مفتوحة",
    },
    "when": {"en": "🗓 {starts} – {ends}", "fr": "🗓 {starts} – {ends}", "ar": "🗓 {starts} – {ends}"},
    "where": {
        "en": "📍 {place}, {region}",
        "fr": "📍 {place}, {region}",
        "ar": "📍 {place}، {region}",
    },
    "provision": {
        "en": "Implements: {provision}",
        "fr": "Met en œuvre : {provision}",
        "ar": "يُنفّذ: {provision}",
    },
    "you_are_placed": {
        "en": "✅ You are signed up.",
        "fr": "✅ Vous êtes inscrit·e.",
        "ar": "✅ أنت مسجّل.",
    },
    "you_are_waitlisted": {
        "en": "⏳ You are on the waiting list.",
        "fr": "⏳ Vous êtes sur la liste d'attente.",
        "ar": "⏳ أنت على قائمة الانتظار.",
    },
    "sign_up": {"en": "Sign up", "fr": "M'inscrire", "ar": "سجّلني"},
    "join_waitlist": {
        "en": "Join the waiting list",
        "fr": "M'inscrire sur la liste d'attente",
        "ar": "ضعني على قائمة الانتظار",
    },
    "sign_up_share": {
        "en": "Sign up and share a contact",
        "fr": "M'inscrire et partager un contact",
        "ar": "سجّلني مع مشاركة وسيلة تواصل",
    },
    "cancel_signup": {
        "en": "Cancel my sign-up",
        "fr": "Annuler mon inscription",
        "ar": "ألغِ تسجيلي",
    },
    "signup_privacy": {
        "en": "Signing up shares nothing about you with the organizer, unless you choose to "
        "share a contact for this initiative.",
        "fr": "L'inscription ne transmet rien sur vous à l'organisateur, sauf si vous "
        "choisissez de partager un contact pour cette initiative.",
        "ar": "التسجيل لا يشارك أي شيء عنك مع المنظِّم، إلا إذا اخترت مشاركة وسيلة تواصل "
        "لهذه المبادرة.",
    },
    "signed_up": {
        "en": "You are signed up for “{title}” ({starts}). We will remind you the day before.",
        "fr": "Vous êtes inscrit·e à « {title} » ({starts}). Nous vous le rappellerons la veille.",
        "ar": "تم تسجيلك في «{title}» ({starts}). سنذكّرك قبلها بيوم.",
    },
    "waitlisted": {
        "en": "“{title}” is full: you are on the waiting list. If a place frees up, it is "
        "yours and we will tell you.",
        "fr": "« {title} » est complet : vous êtes sur la liste d'attente. Si une place se "
        "libère, elle est pour vous et nous vous préviendrons.",
        "ar": "«{title}» مكتملة: أنت على قائمة الانتظار. إذا شغر مكان فهو لك وسنخبرك.",
    },
    "already_signed_up": {
        "en": "You are already signed up for “{title}”.",
        "fr": "Vous êtes déjà inscrit·e à « {title} ».",
        "ar": "أنت مسجّل بالفعل في «{title}».",
    },
    "signup_cancelled": {
        "en": "Your sign-up for “{title}” is cancelled.",
        "fr": "Votre inscription à « {title} » est annulée.",
        "ar": "أُلغي تسجيلك في «{title}».",
    },
    "not_signed_up": {
        "en": "You were not signed up for “{title}”.",
        "fr": "Vous n'étiez pas inscrit·e à « {title} ».",
        "ar": "لم تكن مسجّلاً في «{title}».",
    },
    "initiative_closed": {
        "en": "Sign-ups for this initiative are closed.",
        "fr": "Les inscriptions à cette initiative sont closes.",
        "ar": "التسجيل في هذه المبادرة مغلق.",
    },
    "initiative_unknown": {
        "en": "This initiative is no longer available.",
        "fr": "Cette initiative n'est plus disponible.",
        "ar": "هذه المبادرة لم تعد متاحة.",
    },
    "contact_prompt": {
        "en": "Type the contact you want to share with the organizer of “{title}” (a phone "
        "number, an email…). Only they will see it, for this initiative only.",
        "fr": "Écrivez le contact que vous souhaitez partager avec l'organisateur de "
        "« {title} » (un numéro, un e-mail…). Lui seul le verra, pour cette initiative.",
        "ar": "اكتب وسيلة التواصل التي تريد مشاركتها مع منظِّم «{title}» (رقم هاتف، بريد "
        "إلكتروني…). لن يراها غيره، ولهذه المبادرة فقط.",
    },
    "contact_too_long": {
        "en": "Please keep it under {max} characters.",
        "fr": "Merci de rester sous {max} caractères.",
        "ar": "يُرجى ألا يتجاوز {max} حرفاً.",
    },
    "cancel": {"en": "Cancel", "fr": "Annuler", "ar": "إلغاء"},
    "cancelled_compose": {
        "en": "Cancelled: nothing was sent or saved.",
        "fr": "Annulé : rien n'a été envoyé ni enregistré.",
        "ar": "أُلغي: لم يُرسل أو يُحفظ أي شيء.",
    },
    "my_signups_none": {
        "en": "You have not signed up for any initiative. /initiatives shows them.",
        "fr": "Vous n'êtes inscrit·e à aucune initiative. /initiatives les montre.",
        "ar": "لم تسجّل في أي مبادرة. يعرضها الأمر /initiatives.",
    },
    "my_signups_title": {
        "en": "Your sign-ups:",
        "fr": "Vos inscriptions :",
        "ar": "تسجيلاتك:",
    },
    "status_placed": {"en": "signed up", "fr": "inscrit·e", "ar": "مسجّل"},
    "status_waitlisted": {"en": "waiting list", "fr": "liste d'attente", "ar": "قائمة الانتظار"},
    "from_organizer": {
        "en": "From the organizer of “{title}”, to the people signed up:",
        "fr": "De l'organisateur de « {title} », aux personnes inscrites :",
        "ar": "من منظم «{title}» إلى المسجلين:",
    },
    "mydata_contact": {
        "en": "contact shared with the organizer: {contact}",
        "fr": "contact transmis à l'organisateur : {contact}",
        "ar": "وسيلة الاتصال المشتركة مع المنظم: {contact}",
    },
    "mydata_feedback": {
        "en": "Your feedback on {title}: {said}",
        "fr": "Votre avis sur {title} : {said}",
        "ar": "رأيك في {title}: {said}",
    },
    "mydata_took_place": {"en": "it took place", "fr": "elle a eu lieu", "ar": "أُقيمت"},
    "mydata_did_not": {
        "en": "it did not take place",
        "fr": "elle n'a pas eu lieu",
        "ar": "لم تُقم",
    },
    "mydata_rating": {"en": "rated {n} of 5", "fr": "note {n} sur 5", "ar": "التقييم {n} من 5"},
    "mydata_signups": {
        "en": "Sign-ups: {items}",
        "fr": "Inscriptions : {items}",
        "ar": "التسجيلات: {items}",
    },
    # messages the bot sends on its own (outbox)
    "promoted": {
        "en": "Good news: a place freed up on “{title}” ({starts}). It is yours: you are now "
        "signed up. /my_signups to see or cancel it.",
        "fr": "Bonne nouvelle : une place s'est libérée pour « {title} » ({starts}). Elle est "
        "à vous : vous êtes maintenant inscrit·e. /my_signups pour la voir ou l'annuler.",
        "ar": "خبر سار: شغر مكان في «{title}» ({starts}). إنه لك: أنت الآن مسجّل. "
        "أرسل /my_signups لعرضه أو إلغائه.",
    },
    "initiative_reminder": {
        "en": "A reminder: “{title}” is tomorrow, {starts}, at {place}. If you cannot come, "
        "please cancel with /my_signups so someone else can take your place.",
        "fr": "Un rappel : « {title} » a lieu demain, {starts}, à {place}. Si vous ne pouvez "
        "pas venir, annulez avec /my_signups pour laisser votre place.",
        "ar": "تذكير: «{title}» غداً، {starts}، في {place}. إذا لم تستطع الحضور، يُرجى الإلغاء "
        "عبر /my_signups ليأخذ غيرك مكانك.",
    },
    "initiative_cancelled_notice": {
        "en": "“{title}” ({starts}) has been cancelled by its organizers. Thank you for "
        "signing up.",
        "fr": "« {title} » ({starts}) a été annulée par ses organisateurs. Merci de vous être "
        "inscrit·e.",
        "ar": "أُلغيت «{title}» ({starts}) من قِبل منظّميها. شكراً لتسجيلك.",
    },
    "feedback_question": {
        "en": "“{title}” has ended. Did it take place?",
        "fr": "« {title} » est terminée. A-t-elle eu lieu ?",
        "ar": "انتهت «{title}». هل جرت فعلاً؟",
    },
    "yes": {"en": "Yes", "fr": "Oui", "ar": "نعم"},
    "no": {"en": "No", "fr": "Non", "ar": "لا"},
    "feedback_rating": {
        "en": "Thank you. How was it? (1 = poor, 5 = very good)",
        "fr": "Merci. Comment cela s'est-il passé ? (1 = mal, 5 = très bien)",
        "ar": "شكراً. كيف كانت؟ (1 = سيئة، 5 = جيدة جداً)",
    },
    "feedback_thanks": {
        "en": "Thank you: the organizers see these answers only as totals.",
        "fr": "Merci : les organisateurs ne voient ces réponses que sous forme de totaux.",
        "ar": "شكراً: لا يرى المنظّمون هذه الإجابات إلا كمجاميع.",
    },
    # codes: staff invitations and closed groups
    "join_usage": {
        "en": "Send /join followed by the access code you were given, e.g. /join AB12-CD34.",
        "fr": "Envoyez /join suivi du code d'accès reçu, par exemple /join AB12-CD34.",
        "ar": "أرسل /join متبوعاً برمز الدخول الذي حصلت عليه، مثلاً /join AB12-CD34.",
    },
    "joined_group": {
        "en": "Welcome: you are now a member of the group “{group}”.",
        "fr": "Bienvenue : vous êtes maintenant membre du groupe « {group} ».",
        "ar": "أهلاً بك: أنت الآن عضو في مجموعة «{group}».",
    },
    "code_refused": {
        "en": "This code is not valid. Please check it and try again.",
        "fr": "Ce code n'est pas valide. Vérifiez-le et réessayez.",
        "ar": "هذا الرمز غير صالح. يُرجى التحقق منه والمحاولة مجدداً.",
    },
    "code_limited": {
        "en": "Too many wrong codes. Please wait an hour before trying again.",
        "fr": "Trop de codes erronés. Merci d'attendre une heure avant de réessayer.",
        "ar": "رموز خاطئة كثيرة. يُرجى الانتظار ساعة قبل المحاولة مجدداً.",
    },
    "chatham_house": {
        "en": "This group works under the Chatham House rule: nothing it produces attributes "
        "a statement to anyone.",
        "fr": "Ce groupe suit la règle de Chatham House : rien de ce qu'il produit n'attribue "
        "une déclaration à quiconque.",
        "ar": "تعمل هذه المجموعة وفق قاعدة تشاتام هاوس: لا يُنسب أي قول فيها إلى أحد.",
    },
    "staff_granted": {
        "en": "You now have the {role} role. /help lists your commands.",
        "fr": "Vous avez maintenant le rôle {role}. /help liste vos commandes.",
        "ar": "لديك الآن دور {role}. يعرض /help أوامرك.",
    },
    "role_admin": {"en": "admin", "fr": "administrateur", "ar": "مسؤول"},
    "role_organizer": {"en": "organizer", "fr": "organisateur", "ar": "منظِّم"},
    "role_mediator": {"en": "mediator", "fr": "médiateur", "ar": "وسيط"},
    "help_staff": {
        "en": "Staff:\n/organize – your initiatives, their sign-ups and tools\n"
        "/new_initiative – create an initiative, step by step\n"
        "/broadcast – a message to a topic or to your sign-ups\n"
        "/feedback – what volunteers said after initiatives (totals)",
        "fr": "Équipe :\n/organize – vos initiatives, leurs inscriptions et outils\n"
        "/new_initiative – créer une initiative, pas à pas\n"
        "/broadcast – un message à un thème ou à vos inscrits\n"
        "/feedback – l'avis des bénévoles après les initiatives (totaux)",
        "ar": "الفريق:\n/organize – مبادراتك وتسجيلاتها وأدواتها\n"
        "/new_initiative – إنشاء مبادرة خطوة بخطوة\n"
        "/broadcast – رسالة إلى موضوع أو إلى المسجّلين لديك\n"
        "/feedback – آراء المتطوعين بعد المبادرات (مجاميع)",
    },
    # organizer tools
    "organize_none": {
        "en": "You have no initiatives yet.",
        "fr": "Vous n'avez encore aucune initiative.",
        "ar": "ليست لديك مبادرات بعد.",
    },
    "organize_title": {
        "en": "Your initiatives (signed up / capacity, waiting):",
        "fr": "Vos initiatives (inscrits / capacité, en attente) :",
        "ar": "مبادراتك (المسجّلون / السعة، في الانتظار):",
    },
    "organize_line": {
        "en": "• {title} [{status}] – {placed}/{capacity}, {waiting} waiting",
        "fr": "• {title} [{status}] – {placed}/{capacity}, {waiting} en attente",
        "ar": "• {title} [{status}] – {placed}/{capacity}، {waiting} في الانتظار",
    },
    "status_published": {"en": "published", "fr": "publiée", "ar": "منشورة"},
    "status_draft": {"en": "draft", "fr": "brouillon", "ar": "مسودة"},
    "status_cancelled": {"en": "cancelled", "fr": "annulée", "ar": "ملغاة"},
    "status_done": {"en": "done", "fr": "terminée", "ar": "منتهية"},
    "feedback_summary": {
        "en": "Feedback: took place {yes}, did not {no}; ratings 1–5: {ratings}",
        "fr": "Avis : a eu lieu {yes}, n'a pas eu lieu {no} ; notes 1–5 : {ratings}",
        "ar": "الآراء: جرت {yes}، لم تجرِ {no}؛ التقييمات 1–5: {ratings}",
    },
    "feedback_none": {
        "en": "There is no feedback yet.",
        "fr": "Il n'y a pas encore d'avis.",
        "ar": "لا توجد آراء بعد.",
    },
    "message_signups": {
        "en": "Message the sign-ups",
        "fr": "Écrire aux inscrits",
        "ar": "راسل المسجّلين",
    },
    "cancel_initiative": {
        "en": "Cancel the initiative",
        "fr": "Annuler l'initiative",
        "ar": "ألغِ المبادرة",
    },
    "compose_message": {
        "en": "Type your message. It goes to everyone signed up for “{title}” ({count} "
        "people); you will not see who they are.",
        "fr": "Écrivez votre message. Il sera envoyé à toutes les personnes inscrites à "
        "« {title} » ({count}) ; vous ne verrez pas qui elles sont.",
        "ar": "اكتب رسالتك. ستصل إلى كل المسجّلين في «{title}» ({count} شخصاً)؛ لن ترى هوياتهم.",
    },
    "confirm_send": {
        "en": "Send this to {count} people?\n\n{text}",
        "fr": "Envoyer ceci à {count} personnes ?\n\n{text}",
        "ar": "إرسال هذا إلى {count} شخصاً؟\n\n{text}",
    },
    "send": {"en": "Send", "fr": "Envoyer", "ar": "أرسل"},
    "queued": {
        "en": "Queued for {count} people. It goes out shortly (not during quiet hours).",
        "fr": "Prévu pour {count} personnes. L'envoi suit sous peu (pas pendant les heures "
        "calmes).",
        "ar": "في قائمة الإرسال إلى {count} شخصاً. يُرسل قريباً (ليس في ساعات الهدوء).",
    },
    "confirm_cancel_initiative": {
        "en": "Cancel “{title}”? The {count} people signed up will be told.",
        "fr": "Annuler « {title} » ? Les {count} personnes inscrites seront prévenues.",
        "ar": "إلغاء «{title}»؟ سيُبلَّغ {count} من المسجّلين.",
    },
    "initiative_cancelled_done": {
        "en": "“{title}” is cancelled; the people signed up are being told.",
        "fr": "« {title} » est annulée ; les personnes inscrites sont prévenues.",
        "ar": "أُلغيت «{title}»؛ يجري إبلاغ المسجّلين.",
    },
    "broadcast_choose": {
        "en": "Who should receive your message?",
        "fr": "Qui doit recevoir votre message ?",
        "ar": "من يجب أن يتلقى رسالتك؟",
    },
    "broadcast_signups": {
        "en": "Sign-ups of my initiatives",
        "fr": "Les inscrits de mes initiatives",
        "ar": "المسجّلون في مبادراتي",
    },
    "compose_broadcast": {
        "en": "Type your message for {audience} ({count} people now).",
        "fr": "Écrivez votre message pour {audience} ({count} personnes actuellement).",
        "ar": "اكتب رسالتك إلى {audience} ({count} شخصاً حالياً).",
    },
    "nobody_to_send": {
        "en": "Nobody would receive it at the moment; nothing was sent.",
        "fr": "Personne ne la recevrait pour le moment ; rien n'a été envoyé.",
        "ar": "لن يتلقاها أحد حالياً؛ لم يُرسل شيء.",
    },
    "message_empty": {
        "en": "The message is empty; please type it.",
        "fr": "Le message est vide ; merci de l'écrire.",
        "ar": "الرسالة فارغة؛ يُرجى كتابتها.",
    },
    "message_too_long": {
        "en": "Please keep the message under {max} characters (it has {length}).",
        "fr": "Merci de rester sous {max} caractères (le message en a {length}).",
        "ar": "يُرجى ألا تتجاوز الرسالة {max} حرفاً (فيها {length}).",
    },
    # guided creation of an initiative by an organizer
    "create_step": {
        "en": "New initiative – step {n} of {total}",
        "fr": "Nouvelle initiative – étape {n} sur {total}",
        "ar": "مبادرة جديدة – الخطوة {n} من {total}",
    },
    "create_title": {
        "en": "Its title in {in_language}?",
        "fr": "Son titre en {in_language} ?",
        "ar": "عنوانها بلغة {in_language}؟",
    },
    "create_description": {
        "en": "A short description in {in_language}: what happens, and what do volunteers do?",
        "fr": "Une courte description en {in_language} : que se passe-t-il, que font "
        "les bénévoles ?",
        "ar": "وصف قصير بلغة {in_language}: ماذا يحدث، وماذا يفعل المتطوعون؟",
    },
    "create_type": {
        "en": "What kind of action is it?",
        "fr": "De quel type d'action s'agit-il ?",
        "ar": "ما نوع هذا النشاط؟",
    },
    "type_community_dialogue": {
        "en": "Community dialogue",
        "fr": "Dialogue communautaire",
        "ar": "حوار مجتمعي",
    },
    "type_joint_cleanup": {"en": "Joint clean-up", "fr": "Nettoyage commun", "ar": "تنظيف مشترك"},
    "type_peace_walk": {"en": "Peace walk", "fr": "Marche pour la paix", "ar": "مسيرة سلام"},
    "type_ceasefire_monitoring": {
        "en": "Ceasefire monitoring support",
        "fr": "Appui au suivi du cessez-le-feu",
        "ar": "دعم مراقبة وقف إطلاق النار",
    },
    "type_other": {"en": "Something else", "fr": "Autre chose", "ar": "شيء آخر"},
    "create_region": {
        "en": "In which region does it take place?",
        "fr": "Dans quelle région a-t-elle lieu ?",
        "ar": "في أي منطقة تجري؟",
    },
    "create_place": {
        "en": "Where exactly? (a place people know, in a few words)",
        "fr": "Où exactement ? (un lieu connu, en quelques mots)",
        "ar": "أين بالضبط؟ (مكان معروف، في كلمات قليلة)",
    },
    "create_starts": {
        "en": "When does it start? Write the date and time like 2026-12-24 09:30 (local time).",
        "fr": "Quand commence-t-elle ? Écrivez la date et l'heure ainsi : 2026-12-24 09:30 "
        "(heure locale).",
        "ar": "متى تبدأ؟ اكتب التاريخ والوقت هكذا: 2026-12-24 09:30 (بالتوقيت المحلي).",
    },
    "create_ends": {
        "en": "When does it end? (same format, e.g. 2026-12-24 12:00)",
        "fr": "Quand se termine-t-elle ? (même format, par ex. 2026-12-24 12:00)",
        "ar": "متى تنتهي؟ (بالصيغة نفسها، مثلاً 2026-12-24 12:00)",
    },
    "create_capacity": {
        "en": "How many volunteers can take part?",
        "fr": "Combien de bénévoles peuvent participer ?",
        "ar": "كم عدد المتطوعين الذين يمكنهم المشاركة؟",
    },
    "create_provision": {
        "en": "Which provision of the agreement does it help carry out? (optional)",
        "fr": "Quelle disposition de l'accord aide-t-elle à mettre en œuvre ? (facultatif)",
        "ar": "أي بند من الاتفاق تساعد على تنفيذه؟ (اختياري)",
    },
    "create_group": {
        "en": "Who can see it and sign up?",
        "fr": "Qui peut la voir et s'inscrire ?",
        "ar": "من يمكنه رؤيتها والتسجيل فيها؟",
    },
    "everyone": {"en": "Everyone", "fr": "Tout le monde", "ar": "الجميع"},
    "members_of": {
        "en": "Members of {group}",
        "fr": "Les membres de {group}",
        "ar": "أعضاء {group}",
    },
    "create_confirm": {
        "en": "Publish this initiative?",
        "fr": "Publier cette initiative ?",
        "ar": "نشر هذه المبادرة؟",
    },
    "capacity_line": {
        "en": "Places: {capacity}",
        "fr": "Places : {capacity}",
        "ar": "الأماكن: {capacity}",
    },
    "publish": {"en": "Publish", "fr": "Publier", "ar": "انشر"},
    "created": {
        "en": "“{title}” is published. /organize shows it with its sign-ups.",
        "fr": "« {title} » est publiée. /organize l'affiche avec ses inscriptions.",
        "ar": "نُشرت «{title}». يعرضها /organize مع تسجيلاتها.",
    },
    "bad_datetime": {
        "en": "Please write the date and time like 2026-12-24 09:30.",
        "fr": "Merci d'écrire la date et l'heure ainsi : 2026-12-24 09:30.",
        "ar": "يُرجى كتابة التاريخ والوقت هكذا: 2026-12-24 09:30.",
    },
    "must_be_future": {
        "en": "That moment has passed; please give a later one.",
        "fr": "Ce moment est passé ; merci d'en donner un plus tard.",
        "ar": "هذا الوقت قد مضى؛ يُرجى إعطاء وقت لاحق.",
    },
    "ends_after_start": {
        "en": "The end must be after the start ({starts}).",
        "fr": "La fin doit être après le début ({starts}).",
        "ar": "يجب أن تكون النهاية بعد البداية ({starts}).",
    },
    "bad_capacity": {
        "en": "Please give a whole number from 1 to {max}.",
        "fr": "Merci de donner un nombre entier de 1 à {max}.",
        "ar": "يُرجى إعطاء عدد صحيح من 1 إلى {max}.",
    },
    "text_length": {
        "en": "Please write between {min} and {max} characters.",
        "fr": "Merci d'écrire entre {min} et {max} caractères.",
        "ar": "يُرجى كتابة ما بين {min} و{max} حرفاً.",
    },
    "edit_initiative": {
        "en": "Edit the initiative",
        "fr": "Modifier l'initiative",
        "ar": "عدّل المبادرة",
    },
    "keep": {"en": "Keep as it is", "fr": "Garder tel quel", "ar": "أبقِه كما هو"},
    "currently": {"en": "Now: {value}", "fr": "Actuellement : {value}", "ar": "حالياً: {value}"},
    "edited": {
        "en": "“{title}” is updated; everyone signed up is being told.",
        "fr": "« {title} » est mise à jour ; les personnes inscrites sont prévenues.",
        "ar": "حُدّثت «{title}»؛ يجري إبلاغ كل المسجّلين.",
    },
    "initiative_changed_notice": {
        "en": "“{title}” has changed. It is now on {starts}, at {place}. /my_signups to see "
        "it, or to cancel if you can no longer come.",
        "fr": "« {title} » a changé. Elle a lieu désormais le {starts}, à {place}. "
        "/my_signups pour la voir, ou pour annuler si vous ne pouvez plus venir.",
        "ar": "تغيّرت «{title}». أصبحت في {starts}، في {place}. أرسل /my_signups لعرضها، أو "
        "للإلغاء إن لم تعد تستطيع الحضور.",
    },
    "save_draft": {
        "en": "Save as a draft (not shown yet)",
        "fr": "Enregistrer comme brouillon (pas encore affichée)",
        "ar": "احفظها كمسودة (لا تُعرض بعد)",
    },
    "saved_draft": {
        "en": "“{title}” is saved as a draft: nobody sees it until you publish it from /organize.",
        "fr": "« {title} » est enregistrée comme brouillon : personne ne la voit tant que vous "
        "ne la publiez pas depuis /organize.",
        "ar": "حُفظت «{title}» كمسودة: لن يراها أحد حتى تنشرها من /organize.",
    },
}
