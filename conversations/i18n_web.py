"""The words of the staff workspace in the browser (``peacepulse web``), in English, French and
Arabic. Merged into `conversations.i18n.CATALOGUE`; the templates of `bots.web` escape them."""

from __future__ import annotations

WEB_TEXTS: dict[str, dict[str, str]] = {
    "web_title": {
        "en": "PeacePulse workspace",
        "fr": "Espace de travail PeacePulse",
        "ar": "مساحة عمل PeacePulse",
    },
    "web_skip": {"en": "Skip to content", "fr": "Aller au contenu", "ar": "انتقل إلى المحتوى"},
    "web_language": {"en": "Language", "fr": "Langue", "ar": "اللغة"},
    "web_nav": {"en": "Main menu", "fr": "Menu principal", "ar": "القائمة الرئيسية"},
    "web_home": {"en": "Home", "fr": "Accueil", "ar": "الرئيسية"},
    "web_results": {"en": "Results", "fr": "Résultats", "ar": "النتائج"},
    "web_audit": {"en": "Audit log", "fr": "Journal d'audit", "ar": "سجل التدقيق"},
    "web_sign_out": {"en": "Sign out", "fr": "Se déconnecter", "ar": "تسجيل الخروج"},
    "web_signed_in_as": {
        "en": "Signed in as {who} ({roles})",
        "fr": "Connecté·e en tant que {who} ({roles})",
        "ar": "مسجّل الدخول باسم {who} ({roles})",
    },
    "web_sign_in_title": {"en": "Sign in", "fr": "Connexion", "ar": "تسجيل الدخول"},
    "web_sign_in_help": {
        "en": "There are no passwords here. Send /web to the bot in your chat and open the "
        "link it gives you; an administrator can also make one with `peacepulse staff link`. "
        "A link works once, for {minutes} minutes.",
        "fr": "Il n'y a pas de mot de passe ici. Envoyez /web au bot dans votre conversation et "
        "ouvrez le lien qu'il vous donne ; un administrateur peut aussi en créer un avec "
        "`peacepulse staff link`. Un lien sert une fois, pendant {minutes} minutes.",
        "ar": "لا توجد كلمات مرور هنا. أرسل /web إلى البوت في محادثتك وافتح الرابط الذي "
        "يعطيك إياه؛ ويمكن للمسؤول أيضاً إنشاء رابط باستخدام `peacepulse staff link`. "
        "يعمل الرابط مرة واحدة، لمدة {minutes} دقائق.",
    },
    "web_sign_in_confirm": {
        "en": "Sign in to the workspace on this device?",
        "fr": "Se connecter à l'espace de travail sur cet appareil ?",
        "ar": "هل تريد تسجيل الدخول إلى مساحة العمل على هذا الجهاز؟",
    },
    "web_sign_in_button": {"en": "Sign in", "fr": "Se connecter", "ar": "تسجيل الدخول"},
    "web_link_refused": {
        "en": "This link does not work: it was used already, it expired, or it is not one of "
        "ours. Ask the bot for a new one with /web.",
        "fr": "Ce lien ne fonctionne pas : il a déjà servi, il a expiré, ou il ne vient pas de "
        "nous. Demandez-en un nouveau au bot avec /web.",
        "ar": "هذا الرابط لا يعمل: استُخدم من قبل، أو انتهت صلاحيته، أو ليس من روابطنا. اطلب "
        "رابطاً جديداً من البوت بإرسال /web.",
    },
    "web_too_many": {
        "en": "Too many sign-in attempts from here. Try again in a few minutes.",
        "fr": "Trop de tentatives de connexion depuis cet endroit. Réessayez dans quelques "
        "minutes.",
        "ar": "محاولات تسجيل دخول كثيرة من هنا. حاول مرة أخرى بعد بضع دقائق.",
    },
    "web_forbidden": {
        "en": "Your role does not give access to this page.",
        "fr": "Votre rôle ne donne pas accès à cette page.",
        "ar": "دورك لا يسمح بالوصول إلى هذه الصفحة.",
    },
    "web_not_found": {
        "en": "There is no such page.",
        "fr": "Cette page n'existe pas.",
        "ar": "هذه الصفحة غير موجودة.",
    },
    "web_bad_request": {
        "en": "This form could not be accepted: it was too large, incomplete, or sent from "
        "outside this page. Go back, reload the page and try again.",
        "fr": "Ce formulaire n'a pas pu être accepté : trop grand, incomplet ou envoyé depuis "
        "l'extérieur de cette page. Revenez en arrière, rechargez la page et réessayez.",
        "ar": "تعذّر قبول هذا النموذج: إما أنه كبير جداً، أو ناقص، أو أُرسل من خارج هذه "
        "الصفحة. ارجع، وأعد تحميل الصفحة، وحاول مرة أخرى.",
    },
    "web_welcome": {
        "en": "What would you like to look at?",
        "fr": "Que voulez-vous consulter ?",
        "ar": "ماذا تريد أن تطّلع عليه؟",
    },
    "web_polls": {"en": "Polls", "fr": "Sondages", "ar": "الاستطلاعات"},
    "web_questions_count": {
        "en": "{n} questions",
        "fr": "{n} questions",
        "ar": "{n} أسئلة",
    },
    "web_break_down_by": {"en": "Break down by", "fr": "Ventiler par", "ar": "التوزيع حسب"},
    "web_nothing": {"en": "nothing", "fr": "rien", "ar": "لا شيء"},
    "web_by_wave": {"en": "wave", "fr": "vague", "ar": "الجولة"},
    "web_wave_filter": {"en": "Wave", "fr": "Vague", "ar": "الجولة"},
    "web_all_waves": {"en": "all waves", "fr": "toutes les vagues", "ar": "كل الجولات"},
    "web_show": {"en": "Show", "fr": "Afficher", "ar": "عرض"},
    "web_unweighted": {
        "en": "Counts and shares of the people who answered (unweighted). Cells of fewer than "
        "{k} people, and cells that would reveal them, are hidden (–).",
        "fr": "Effectifs et parts des personnes qui ont répondu (non pondérés). Les cellules "
        "de moins de {k} personnes, et celles qui permettraient de les retrouver, sont masquées "
        "(–).",
        "ar": "أعداد ونسب من أجابوا (غير مرجّحة). الخلايا التي تضم أقل من {k} أشخاص، والخلايا "
        "التي قد تكشفها، محجوبة (–).",
    },
    "web_report_link": {
        "en": "Weighted estimates, intervals and trends across waves (the full report)",
        "fr": "Estimations pondérées, intervalles et tendances entre vagues (le rapport complet)",
        "ar": "التقديرات المرجّحة والفترات والاتجاهات عبر الجولات (التقرير الكامل)",
    },
    "web_downloads": {"en": "Downloads", "fr": "Téléchargements", "ar": "التنزيلات"},
    "web_download_csv": {
        "en": "Tables (CSV, zipped)",
        "fr": "Tableaux (CSV, compressés)",
        "ar": "الجداول (CSV، مضغوطة)",
    },
    "web_download_xlsx": {"en": "Workbook (XLSX)", "fr": "Classeur (XLSX)", "ar": "مصنف (XLSX)"},
    "web_download_json": {"en": "Data (JSON)", "fr": "Données (JSON)", "ar": "بيانات (JSON)"},
    "web_download_hxl": {
        "en": "Tables with HXL tags (CSV, zipped)",
        "fr": "Tableaux avec étiquettes HXL (CSV, compressés)",
        "ar": "الجداول مع وسوم HXL (CSV، مضغوطة)",
    },
    "web_option": {"en": "Option", "fr": "Option", "ar": "الخيار"},
    "web_answered": {"en": "Answered", "fr": "Ont répondu", "ar": "أجابوا"},
    "web_mean": {"en": "Mean", "fr": "Moyenne", "ar": "المتوسط"},
    "web_min_max": {"en": "Min – max", "fr": "Min – max", "ar": "الأدنى – الأعلى"},
    "web_no_answers": {
        "en": "Nobody has answered yet.",
        "fr": "Personne n'a encore répondu.",
        "ar": "لم يُجب أحد بعد.",
    },
    "web_audit_when": {"en": "When", "fr": "Quand", "ar": "متى"},
    "web_audit_who": {"en": "Who", "fr": "Qui", "ar": "مَن"},
    "web_audit_what": {"en": "What", "fr": "Quoi", "ar": "ماذا"},
    "web_audit_subject": {"en": "About", "fr": "Objet", "ar": "بخصوص"},
    "web_older": {"en": "Older entries", "fr": "Entrées plus anciennes", "ar": "إدخالات أقدم"},
    "web_role_admin": {"en": "admin", "fr": "administration", "ar": "مسؤول"},
    "web_role_organizer": {"en": "organizer", "fr": "organisation", "ar": "منظّم"},
    "web_role_mediator": {"en": "mediator", "fr": "médiation", "ar": "وسيط"},
    "web_consultations": {"en": "Consultations", "fr": "Consultations", "ar": "المشاورات"},
    "web_waiting": {
        "en": "{n} statements waiting for moderation",
        "fr": "{n} propositions en attente de modération",
        "ar": "{n} عبارات بانتظار الإشراف",
    },
    "web_status_pending": {"en": "waiting", "fr": "en attente", "ar": "بانتظار المراجعة"},
    "web_status_blocked": {
        "en": "caught by the block list",
        "fr": "arrêtée par la liste de blocage",
        "ar": "أوقفتها قائمة الحظر",
    },
    "web_status_approved": {"en": "published", "fr": "publiée", "ar": "منشورة"},
    "web_status_rejected": {"en": "rejected", "fr": "rejetée", "ar": "مرفوضة"},
    "web_statement": {"en": "Statement {id}", "fr": "Proposition {id}", "ar": "العبارة {id}"},
    "web_original": {
        "en": "As written (in {name})",
        "fr": "Telle qu'écrite (en {name})",
        "ar": "كما كُتبت (بـ{name})",
    },
    "web_translations": {
        "en": "Translations: each person votes on the statement in their own language.",
        "fr": "Traductions : chacun vote sur la proposition dans sa langue.",
        "ar": "الترجمات: يصوّت كل شخص على العبارة بلغته.",
    },
    "web_suggested": {
        "en": "machine suggestion: check it before saving",
        "fr": "suggestion automatique : vérifiez-la avant d'enregistrer",
        "ar": "اقتراح آلي: راجعه قبل الحفظ",
    },
    "web_missing": {
        "en": "not yet in: {languages}",
        "fr": "pas encore en : {languages}",
        "ar": "غير متوفرة بعد بـ: {languages}",
    },
    "web_approve": {"en": "Approve", "fr": "Approuver", "ar": "موافقة"},
    "web_reject": {"en": "Reject", "fr": "Rejeter", "ar": "رفض"},
    "web_save": {
        "en": "Save translations",
        "fr": "Enregistrer les traductions",
        "ar": "حفظ الترجمات",
    },
    "web_keys": {
        "en": "One key each (with your browser's access-key modifier, e.g. Alt): a approve, "
        "r reject, s save.",
        "fr": "Une touche chacune (avec la touche d'accès de votre navigateur, par ex. Alt) : a "
        "approuver, r rejeter, s enregistrer.",
        "ar": "مفتاح واحد لكل إجراء (مع مفتاح الوصول في متصفحك، مثل Alt): a موافقة، r رفض، s حفظ.",
    },
    "web_nothing_waiting": {
        "en": "Nothing is waiting for moderation.",
        "fr": "Rien n'attend de modération.",
        "ar": "لا شيء بانتظار الإشراف.",
    },
    "pub_waves": {"en": "Waves", "fr": "Vagues", "ar": "الجولات"},
    "pub_answered": {
        "en": "People who answered: {n}",
        "fr": "Personnes ayant répondu : {n}",
        "ar": "عدد من أجابوا: {n}",
    },
    "pub_share": {"en": "Share (people)", "fr": "Part (personnes)", "ar": "النسبة (الأشخاص)"},
    "pub_method": {
        "en": "These are the answers of people who chose to answer over messaging apps, not a "
        "random sample of the population: they show what those people said, not what everybody "
        "thinks. Shares are of the people who answered each question. Figures about fewer than "
        "{k} people, and figures that would reveal them, are hidden (–).",
        "fr": "Ce sont les réponses de personnes qui ont choisi de répondre par messagerie, et "
        "non d'un échantillon aléatoire de la population : elles montrent ce que ces personnes "
        "ont dit, pas ce que tout le monde pense. Les parts portent sur les personnes qui ont "
        "répondu à chaque question. Les chiffres portant sur moins de {k} personnes, et ceux "
        "qui permettraient de les retrouver, sont masqués (–).",
        "ar": "هذه إجابات أشخاص اختاروا الإجابة عبر تطبيقات المراسلة، وليست عيّنة عشوائية من "
        "السكان: فهي تُظهر ما قاله هؤلاء، لا ما يراه الجميع. النسب محسوبة ممن أجابوا عن كل سؤال. "
        "الأرقام التي تخص أقل من {k} أشخاص، والأرقام التي قد تكشفهم، محجوبة (–).",
    },
    # initiatives and broadcasts (bots.web.organizing)
    "web_initiatives": {"en": "Initiatives", "fr": "Initiatives", "ar": "المبادرات"},
    "web_broadcasts": {"en": "Broadcasts", "fr": "Diffusions", "ar": "الرسائل الجماعية"},
    "web_signups_staff_only": {
        "en": "Sign-up counts are exact operational counts for staff only: they are never "
        "published, and small numbers here are not hidden as they are in results.",
        "fr": "Les nombres d'inscriptions sont des chiffres de travail exacts, réservés à "
        "l'équipe : ils ne sont jamais publiés, et les petits nombres n'y sont pas masqués "
        "comme dans les résultats.",
        "ar": "أعداد المسجّلين أرقام تشغيلية دقيقة للفريق وحده: لا تُنشر أبداً، ولا تُحجب "
        "الأعداد الصغيرة هنا كما تُحجب في النتائج.",
    },
    "web_new_initiative": {
        "en": "New initiative",
        "fr": "Nouvelle initiative",
        "ar": "مبادرة جديدة",
    },
    "web_edit_initiative": {
        "en": "Edit the initiative",
        "fr": "Modifier l'initiative",
        "ar": "تعديل المبادرة",
    },
    "web_initiative": {"en": "Initiative", "fr": "Initiative", "ar": "المبادرة"},
    "web_starts": {"en": "Starts", "fr": "Début", "ar": "البداية"},
    "web_region": {"en": "Region", "fr": "Région", "ar": "المنطقة"},
    "web_status": {"en": "Status", "fr": "État", "ar": "الحالة"},
    "web_signed_up": {
        "en": "Signed up / places",
        "fr": "Inscrits / places",
        "ar": "المسجّلون / الأماكن",
    },
    "web_waiting_list": {"en": "Waiting", "fr": "En attente", "ar": "في الانتظار"},
    "web_actions": {"en": "Actions", "fr": "Actions", "ar": "الإجراءات"},
    "web_form_problems": {
        "en": "Some answers need another look (marked below).",
        "fr": "Certaines réponses sont à revoir (indiquées ci-dessous).",
        "ar": "بعض الإجابات تحتاج إلى مراجعة (موضّحة أدناه).",
    },
    "web_field_title": {
        "en": "Title in {in_language}",
        "fr": "Titre en {in_language}",
        "ar": "العنوان بـ{in_language}",
    },
    "web_field_description": {
        "en": "Description in {in_language}: what happens, and what do volunteers do?",
        "fr": "Description en {in_language} : que se passe-t-il, que font les bénévoles ?",
        "ar": "الوصف بـ{in_language}: ماذا يحدث، وماذا يفعل المتطوعون؟",
    },
    "web_field_starts": {
        "en": "Starts (local time)",
        "fr": "Début (heure locale)",
        "ar": "البداية (بالتوقيت المحلي)",
    },
    "web_field_ends": {
        "en": "Ends (local time)",
        "fr": "Fin (heure locale)",
        "ar": "النهاية (بالتوقيت المحلي)",
    },
    "web_edit_tells": {
        "en": "Everyone signed up is told of the change; new places go to the waiting list.",
        "fr": "Toutes les personnes inscrites sont prévenues du changement ; les nouvelles "
        "places vont à la liste d'attente.",
        "ar": "يُبلَّغ كل المسجّلين بالتغيير؛ وتذهب الأماكن الجديدة إلى قائمة الانتظار.",
    },
    "web_keep_it": {"en": "Keep it", "fr": "La garder", "ar": "أبقِها"},
    "web_recipients": {
        "en": "{n} people now",
        "fr": "{n} personnes actuellement",
        "ar": "{n} شخصاً حالياً",
    },
    "web_broadcast_languages": {
        "en": "Write the message in each language you can: each person gets it in theirs, "
        "otherwise in the deployment's main language.",
        "fr": "Écrivez le message dans chaque langue possible : chacun le reçoit dans la "
        "sienne, sinon dans la langue principale du déploiement.",
        "ar": "اكتب الرسالة بكل لغة تستطيعها: يتلقاها كل شخص بلغته، وإلا فباللغة الرئيسية للنشر.",
    },
    "web_required": {"en": "required", "fr": "obligatoire", "ar": "مطلوب"},
    "web_review": {"en": "Review", "fr": "Relire", "ar": "مراجعة"},
    "web_change": {"en": "Change", "fr": "Modifier", "ar": "تعديل"},
    "web_sent_broadcasts": {
        "en": "Sent from here and from chat",
        "fr": "Envoyées d'ici et depuis la conversation",
        "ar": "المُرسلة من هنا ومن المحادثة",
    },
    "web_confirm_broadcast": {
        "en": "Send to {audience}: {n} people?",
        "fr": "Envoyer à {audience} : {n} personnes ?",
        "ar": "إرسال إلى {audience}: {n} شخصاً؟",
    },
    "web_send_to": {
        "en": "Send to {n} people",
        "fr": "Envoyer à {n} personnes",
        "ar": "أرسل إلى {n} شخصاً",
    },
    "web_broadcast_number": {
        "en": "Broadcast {n}",
        "fr": "Diffusion {n}",
        "ar": "الرسالة الجماعية {n}",
    },
    "web_progress": {"en": "Sent so far", "fr": "Envoyé jusqu'ici", "ar": "ما أُرسل حتى الآن"},
    "web_outbox_queued": {
        "en": "Waiting to go",
        "fr": "En attente d'envoi",
        "ar": "بانتظار الإرسال",
    },
    "web_outbox_sending": {"en": "Being sent", "fr": "En cours d'envoi", "ar": "قيد الإرسال"},
    "web_outbox_sent": {"en": "Sent", "fr": "Envoyés", "ar": "أُرسلت"},
    "web_outbox_failed": {"en": "Failed", "fr": "Échecs", "ar": "فشلت"},
    "web_outbox_unreachable": {
        "en": "No longer reachable",
        "fr": "Plus joignables",
        "ar": "لم يعد الوصول إليهم ممكناً",
    },
    "web_progress_note": {
        "en": "Messages go out at the channels' pace, not during quiet hours.",
        "fr": "Les messages partent au rythme des canaux, pas pendant les heures calmes.",
        "ar": "تُرسل الرسائل بوتيرة القنوات، لا في ساعات الهدوء.",
    },
    "web_refresh": {"en": "Refresh", "fr": "Actualiser", "ar": "تحديث"},
    "web_progress_done": {
        "en": "Every message of this broadcast has been dealt with.",
        "fr": "Chaque message de cette diffusion a été traité.",
        "ar": "عولجت كل رسائل هذه الرسالة الجماعية.",
    },
    "web_broadcast_needs_default": {
        "en": "The message needs a text in {name}, the deployment's main language.",
        "fr": "Le message doit avoir un texte en {name}, la langue principale du déploiement.",
        "ar": "تحتاج الرسالة إلى نص بـ{name}، اللغة الرئيسية للنشر.",
    },
}
