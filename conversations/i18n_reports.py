"""The words of the mediators' report (``peacepulse report``), in English, French and Arabic.

Merged into `conversations.i18n.CATALOGUE`, kept apart so that the report's texts read
together. ``report_disclosure`` is also the disclosure of every export (`insights.export`).
Placeholders in braces are filled in by `insights.report`, which escapes the text first.
"""

from __future__ import annotations

REPORT_TEXTS: dict[str, dict[str, str]] = {
    "report_generated": {
        "en": "generated {when}",
        "fr": "produit le {when}",
        "ar": "أُعدّ في {when}",
    },
    "report_all_answers": {"en": "all answers", "fr": "toutes les réponses", "ar": "كل الإجابات"},
    "report_wave": {"en": "wave {wave}", "fr": "vague {wave}", "ar": "الجولة {wave}"},
    "report_questions": {"en": "Questions", "fr": "Questions", "ar": "الأسئلة"},
    "report_how_to_read": {
        "en": "How to read these numbers",
        "fr": "Comment lire ces chiffres",
        "ar": "كيف تُقرأ هذه الأرقام",
    },
    "report_disclosure": {
        "en": "Opt-in sample of people who chose to answer over messaging apps, not a probability "
        "sample. Weighted figures are raked to the deployment's population margins; intervals "
        "are 95 % bootstrap intervals (1000 resamples, each weighted again), widened where needed "
        "to the Wilson interval on the effective sample size (so that 0 % still has one), and "
        "show sampling variability only, not the bias of self-selection: they are not margins "
        "of error. Cells "
        "of fewer than {k} people, and cells that would reveal them, are left empty "
        "(suppressed).",
        "fr": "Échantillon de volontaires : des personnes qui ont choisi de répondre par "
        "messagerie, et non un échantillon probabiliste. Les chiffres pondérés sont calés "
        "(raking) sur les marges de population du déploiement ; les intervalles sont des "
        "intervalles bootstrap à 95 % (1000 rééchantillonnages, chacun pondéré à nouveau), "
        "élargis au besoin à l'intervalle de Wilson sur la taille effective (0 % en a donc un "
        "aussi), et ne montrent que la variabilité d'échantillonnage, pas le biais "
        "d'auto-sélection : ce ne "
        "sont pas des marges d'erreur. Les cellules de moins de {k} personnes, et celles qui "
        "permettraient de les retrouver, sont laissées vides (masquées).",
        "ar": "عيّنة طوعية من أشخاص اختاروا الإجابة عبر تطبيقات المراسلة، وليست عيّنة "
        "احتمالية. الأرقام المرجّحة معدّلة (بالتناسب التكراري) لتطابق توزيع السكان المحدد لهذا "
        "النشر؛ والفترات هي فترات bootstrap بمستوى 95 % (1000 إعادة معاينة، تُرجَّح كلٌّ منها "
        "من جديد)، مع توسيعها عند الحاجة إلى فترة ويلسون على الحجم الفعلي للعيّنة (فيكون "
        "للنسبة 0 % فترة أيضًا)، وهي تُظهر تقلّب المعاينة فقط، لا انحياز الاختيار الذاتي: "
        "فهي ليست هوامش خطأ. "
        "الخلايا التي تضم أقل من {k} أشخاص، والخلايا التي قد تكشفها، تُترك فارغة (محجوبة).",
    },
    "report_respondents": {
        "en": "Respondents: {n}; weighted to: {fields}.",
        "fr": "Répondants : {n} ; pondéré selon : {fields}.",
        "ar": "المشاركون: {n}؛ الترجيح حسب: {fields}.",
    },
    "report_no_margins": {
        "en": "none (the deployment gives no population margins)",
        "fr": "rien (le déploiement ne donne pas de marges de population)",
        "ar": "لا شيء (لا يحدد هذا النشر توزيعاً للسكان)",
    },
    "report_effective": {
        "en": "Effective sample size (Kish): {n} (weighting efficiency {efficiency} %): the "
        "weighted results are about as precise as a simple random sample of that many people, "
        "if weighting removed the self-selection, which nobody can check.",
        "fr": "Taille effective de l'échantillon (Kish) : {n} (efficacité de la pondération "
        "{efficiency} %) : les résultats pondérés sont à peu près aussi précis qu'un échantillon "
        "aléatoire simple d'autant de personnes, si la pondération a supprimé l'auto-sélection, "
        "ce que personne ne peut vérifier.",
        "ar": "الحجم الفعلي للعيّنة (كيش): {n} (كفاءة الترجيح {efficiency} %): النتائج "
        "المرجّحة دقيقة تقريباً بقدر عيّنة عشوائية بسيطة بهذا العدد من الأشخاص، إذا كان الترجيح "
        "قد أزال أثر الاختيار الذاتي، وهو ما لا يستطيع أحد التحقق منه.",
    },
    "report_changes_rule": {
        "en": "Changes between waves: two-proportion z-test on effective sample sizes; the "
        "p-values of all of a wave's changes (every question and option) are adjusted with the "
        "Benjamini–Hochberg procedure, and a change is flagged when its adjusted value q is "
        "below 5 %: at most about 1 flag in 20 is expected to be a false alarm.",
        "fr": "Évolutions d'une vague à l'autre : test z de deux proportions sur les tailles "
        "effectives ; les valeurs p de toutes les évolutions d'une vague (chaque question et "
        "option) sont ajustées par la procédure de Benjamini–Hochberg, et une évolution est "
        "signalée quand sa valeur ajustée q est inférieure à 5 % : environ 1 signal sur 20 au "
        "plus devrait être une fausse alerte.",
        "ar": "التغيّرات بين الجولات: اختبار z لنسبتين على الأحجام الفعلية للعيّنات؛ وتُعدَّل "
        "قيم p لكل تغيّرات الجولة (كل سؤال وخيار) بطريقة بنجاميني–هوخبرغ، ويُشار إلى التغيّر "
        "عندما تكون قيمته المعدّلة q أقل من 5 %: يُتوقّع ألا يكون إنذارًا كاذبًا سوى إشارة واحدة "
        "من كل 20 تقريبًا.",
    },
    "report_hidden_rule": {
        "en": "{mark} marks a hidden cell: fewer than {k} people, or a cell that would let one "
        "be worked out.",
        "fr": "{mark} signale une cellule masquée : moins de {k} personnes, ou une cellule qui "
        "permettrait d'en déduire une.",
        "ar": "تدل {mark} على خلية محجوبة: أقل من {k} أشخاص، أو خلية قد تتيح استنتاج خلية محجوبة.",
    },
    "report_nobody_from": {
        "en": "Nobody answered from: {groups}; these groups could not be weighted up.",
        "fr": "Personne n'a répondu parmi : {groups} ; ces groupes n'ont pas pu être redressés.",
        "ar": "لم يُجب أحد من: {groups}؛ تعذّر ترجيح هذه الفئات.",
    },
    "report_collapsed": {
        "en": "Fewer than {k} people had: {groups}; for weighting these were pooled with "
        "other groups, so nobody is weighted up alone.",
        "fr": "Moins de {k} personnes avaient : {groups} ; pour la pondération, ces groupes "
        "ont été regroupés avec d'autres, afin que personne ne soit redressé seul.",
        "ar": "كان لدى أقل من {k} أشخاص: {groups}؛ دُمجت هذه الفئات مع فئات أخرى عند الترجيح، "
        "فلا يُرجَّح أحد بمفرده.",
    },
    "report_weight_range": {
        "en": "Weights range from {low} to {high} (mean 1).",
        "fr": "Les poids vont de {low} à {high} (moyenne 1).",
        "ar": "تتراوح الأوزان بين {low} و{high} (المتوسط 1).",
    },
    "report_margins": {
        "en": "Population margins: {margins}. Source: {source}.",
        "fr": "Marges de population : {margins}. Source : {source}.",
        "ar": "توزيع السكان المعتمد: {margins}. المصدر: {source}.",
    },
    "report_source_unknown": {
        "en": "not given by the deployment",
        "fr": "non indiquée par le déploiement",
        "ar": "لم يحدده النشر",
    },
    "report_trimmed": {
        "en": "Weights are kept between 1/{bound} and {bound} times the mean; "
        "{n} people's weights were trimmed to that bound. Weighted figures resting on fewer "
        "than {k} people's worth of weight (effective sample size) are not shown.",
        "fr": "Les poids restent entre 1/{bound} et {bound} fois la moyenne ; les poids de "
        "{n} personnes ont été ramenés à cette borne. Les chiffres pondérés reposant sur "
        "moins de {k} personnes en poids (taille d'échantillon effective) ne sont pas montrés.",
        "ar": "تبقى الأوزان بين 1/{bound} و{bound} أضعاف المتوسط؛ قُصّت أوزان {n} أشخاص إلى "
        "هذا الحد. لا تُعرض الأرقام المرجّحة التي يقل حجم عينتها الفعلي عن {k}.",
    },
    "report_kind_single_choice": {"en": "single choice", "fr": "choix unique", "ar": "اختيار واحد"},
    "report_kind_multiple_choice": {
        "en": "multiple choice",
        "fr": "choix multiple",
        "ar": "اختيار متعدد",
    },
    "report_kind_scale": {"en": "scale", "fr": "échelle", "ar": "مقياس"},
    "report_kind_number": {"en": "number", "fr": "nombre", "ar": "رقم"},
    "report_kind_free_text": {"en": "free text", "fr": "texte libre", "ar": "نص حر"},
    "report_kind_region": {"en": "region", "fr": "région", "ar": "منطقة"},
    "report_answered_by": {"en": "answered by {n}", "fr": "{n} réponses", "ar": "أجاب {n}"},
    "report_effective_n": {"en": "effective n {n}", "fr": "n effectif {n}", "ar": "n الفعلي {n}"},
    "report_count": {"en": "count", "fr": "effectif", "ar": "العدد"},
    "report_weighted_percent": {"en": "weighted %", "fr": "% pondéré", "ar": "% مرجّح"},
    "report_interval": {
        "en": "95 % interval (bootstrap, at least Wilson)",
        "fr": "intervalle à 95 % (bootstrap, au moins Wilson)",
        "ar": "فترة 95 % (bootstrap، وعلى الأقل ويلسون)",
    },
    "report_mean": {"en": "mean", "fr": "moyenne", "ar": "المتوسط"},
    "report_weighted_mean": {
        "en": "weighted mean",
        "fr": "moyenne pondérée",
        "ar": "المتوسط المرجّح",
    },
    "report_min": {"en": "min", "fr": "min", "ar": "الأدنى"},
    "report_max": {"en": "max", "fr": "max", "ar": "الأعلى"},
    "report_hidden": {"en": "{mark} hidden", "fr": "{mark} masqué", "ar": "{mark} محجوب"},
    "report_free_text": {
        "en": "Free text answers are not shown in reports.",
        "fr": "Les réponses en texte libre ne figurent pas dans les rapports.",
        "ar": "لا تُعرض الإجابات النصية الحرة في التقارير.",
    },
    "report_by": {
        "en": "By {field}",
        "fr": "Par {field}",
        "ar": "حسب {field}",
    },
    "report_trends": {
        "en": "Trends across waves",
        "fr": "Évolution d'une vague à l'autre",
        "ar": "الاتجاهات عبر الجولات",
    },
    "report_option": {"en": "option", "fr": "option", "ar": "الخيار"},
    "report_in": {"en": "in", "fr": "en", "ar": "في"},
    "report_change": {"en": "change", "fr": "évolution", "ar": "التغيّر"},
    "report_no_change": {
        "en": "No change significant at 95 %.",
        "fr": "Aucune évolution significative à 95 %.",
        "ar": "لا يوجد تغيّر دالّ إحصائياً عند 95 %.",
    },
    "report_reach": {"en": "Whom we reach", "fr": "Qui nous atteignons", "ar": "من نصل إليهم"},
    "report_reach_intro": {
        "en": "Respondents per group against the population. A ratio below {limit} (marked ▼) "
        "means the group is under-represented: its voice counts in weighted results only "
        "through fewer people. Shares count, as the weighting does, only the people whose "
        "answer the population figures cover.",
        "fr": "Répondants par groupe, comparés à la population. Un rapport inférieur à {limit} "
        "(marqué ▼) signifie que le groupe est sous-représenté : sa voix ne compte dans les "
        "résultats pondérés qu'à travers moins de personnes. Comme pour la pondération, les parts "
        "ne comptent que les personnes dont la réponse figure dans les chiffres de population.",
        "ar": "المشاركون في كل فئة مقارنةً بالسكان. النسبة الأقل من {limit} (المعلَّمة ▼) تعني "
        "أن الفئة ممثَّلة تمثيلاً ناقصاً: صوتها لا يُحتسب في النتائج المرجّحة إلا عبر عدد أقل "
        "من الأشخاص. وكما في الترجيح، لا تُحتسب في الحصص إلا إجابات تشملها أرقام السكان.",
    },
    "report_respondents_column": {"en": "respondents", "fr": "répondants", "ar": "المشاركون"},
    "report_share": {"en": "share", "fr": "part", "ar": "الحصة"},
    "report_population": {"en": "population", "fr": "population", "ar": "السكان"},
    "report_ratio": {"en": "ratio", "fr": "rapport", "ar": "النسبة"},
    "report_rate_by": {
        "en": "Response rate by {field}",
        "fr": "Taux de réponse par {field}",
        "ar": "معدل الاستجابة حسب {field}",
    },
    "report_not_invited": {
        "en": "Not invited by the service (people answered on their own), so no response "
        "rate: wave {waves}.",
        "fr": "Sans invitation envoyée par le service (les personnes ont répondu d'elles-mêmes), "
        "donc sans taux de réponse : vague {waves}.",
        "ar": "لم يرسل النظام دعوات (أجاب الناس من تلقاء أنفسهم)، فلا يوجد معدل استجابة: "
        "الجولة {waves}.",
    },
    "report_rate": {
        "en": "{rate} of {invited}",
        "fr": "{rate} de {invited}",
        "ar": "{rate} من {invited}",
    },
    "report_wave_column": {"en": "wave", "fr": "vague", "ar": "الجولة"},
    "report_no_figures": {
        "en": "No figures to show.",
        "fr": "Aucun chiffre à montrer.",
        "ar": "لا أرقام للعرض.",
    },
    "report_weighted": {"en": "weighted", "fr": "pondéré", "ar": "مرجّح"},
    "report_unweighted": {"en": "unweighted", "fr": "non pondéré", "ar": "غير مرجّح"},
    "report_shares_axis": {
        "en": "% of respondents (bars: weighted to the population; lines: 95 % interval, "
        "bootstrap, at least Wilson)",
        "fr": "% des répondants (barres : pondéré sur la population ; traits : intervalle à "
        "95 %, bootstrap, au moins Wilson)",
        "ar": "نسبة المشاركين % (الأعمدة: مرجّحة حسب السكان؛ الخطوط: فترة 95 %، bootstrap، "
        "وعلى الأقل ويلسون)",
    },
    "report_options_hidden": {
        "en": "{hidden} option(s) hidden ({mark}): too few people",
        "fr": "{hidden} option(s) masquée(s) ({mark}) : trop peu de personnes",
        "ar": "خيارات محجوبة ({mark}): {hidden}، لقلة عدد الأشخاص",
    },
    "report_shares_alt": {
        "en": "Weighted shares: {prompt}",
        "fr": "Parts pondérées : {prompt}",
        "ar": "الحصص المرجّحة: {prompt}",
    },
    "report_no_trend": {
        "en": "No figures to show across waves.",
        "fr": "Aucun chiffre à montrer d'une vague à l'autre.",
        "ar": "لا أرقام للعرض عبر الجولات.",
    },
    "report_trend_axis": {
        "en": "wave (circled: change flagged, Benjamini–Hochberg q < 5 %; bands: 95 % Wilson "
        "interval on the effective n)",
        "fr": "vague (cerclée : évolution signalée, q de Benjamini–Hochberg < 5 % ; bandes : "
        "intervalle de Wilson à 95 % sur la taille effective)",
        "ar": "الجولة (المحاطة بدائرة: تغيّر مُشار إليه، q بنجاميني–هوخبرغ < 5 %؛ الأشرطة: فترة "
        "ويلسون 95 % على الحجم الفعلي)",
    },
    "report_trend_alt": {
        "en": "Trend: {prompt}",
        "fr": "Évolution : {prompt}",
        "ar": "الاتجاه: {prompt}",
    },
    # --- the consultation report (HTML) ---
    "consultation_question": {"en": "Question:", "fr": "Question :", "ar": "السؤال:"},
    "consultation_participants": {
        "en": "Participants: {n} · free-text answers: {answers}",
        "fr": "Participants : {n} · réponses libres : {answers}",
        "ar": "المشاركون: {n} · الإجابات المكتوبة: {answers}",
    },
    "consultation_participation_by": {
        "en": "Participation by {field}",
        "fr": "Participation par {field}",
        "ar": "المشاركة حسب {field}",
    },
    "consultation_group": {"en": "group", "fr": "groupe", "ar": "الفئة"},
    "consultation_people": {"en": "participants", "fr": "participants", "ar": "المشاركون"},
    "consultation_opinion_groups": {
        "en": "Opinion groups",
        "fr": "Groupes d'opinion",
        "ar": "مجموعات الرأي",
    },
    "consultation_rest_on": {
        "en": "The opinion groups and the common ground rest on the votes of {n} participants "
        "(those who voted on enough statements).",
        "fr": "Les groupes d'opinion et le terrain d'entente reposent sur les votes de {n} "
        "participants (ceux qui ont voté sur assez d'énoncés).",
        "ar": "تستند مجموعات الرأي والأرضية المشتركة إلى أصوات {n} مشاركين (من صوّتوا على عدد "
        "كافٍ من العبارات).",
    },
    "consultation_no_groups": {
        "en": "Not enough votes yet to find opinion groups.",
        "fr": "Pas encore assez de votes pour trouver des groupes d'opinion.",
        "ar": "لا توجد أصوات كافية بعد لتحديد مجموعات الرأي.",
    },
    "consultation_group_heading": {
        "en": "Group {group} ({size} people)",
        "fr": "Groupe {group} ({size} personnes)",
        "ar": "المجموعة {group} ({size} أشخاص)",
    },
    "consultation_share": {"en": "share", "fr": "part", "ar": "النسبة"},
    "consultation_statement": {"en": "statement", "fr": "énoncé", "ar": "العبارة"},
    "consultation_original": {
        "en": "{name}, original:",
        "fr": "{name}, original :",
        "ar": "{name}، الأصل:",
    },
    "consultation_agree": {"en": "agree", "fr": "d'accord", "ar": "موافق"},
    "consultation_disagree": {"en": "disagree", "fr": "pas d'accord", "ar": "غير موافق"},
    "consultation_common_ground": {
        "en": "Common ground (all groups)",
        "fr": "Terrain d'entente (tous les groupes)",
        "ar": "الأرضية المشتركة (كل المجموعات)",
    },
    "consultation_none_yet": {
        "en": "None yet.",
        "fr": "Aucun pour l'instant.",
        "ar": "لا شيء بعد.",
    },
    "consultation_themes": {"en": "Themes", "fr": "Thèmes", "ar": "المواضيع"},
    "consultation_suggested": {
        "en": "Suggested themes (not yet confirmed)",
        "fr": "Thèmes suggérés (pas encore confirmés)",
        "ar": "مواضيع مقترحة (لم تُؤكَّد بعد)",
    },
    "consultation_answers": {
        "en": "{name}: {n} answers",
        "fr": "{name} : {n} réponses",
        "ar": "{name}: {n} إجابات",
    },
    "consultation_rounds": {"en": "Rounds", "fr": "Tours", "ar": "الجولات"},
    "consultation_round": {"en": "round", "fr": "tour", "ar": "الجولة"},
    "consultation_round_question": {"en": "question", "fr": "question", "ar": "السؤال"},
    "consultation_answer_count": {"en": "answers", "fr": "réponses", "ar": "الإجابات"},
    "consultation_languages": {"en": "Languages", "fr": "Langues", "ar": "اللغات"},
    "consultation_language": {"en": "language", "fr": "langue", "ar": "اللغة"},
    "consultation_hidden": {
        "en": "Cells under {k} people are shown as {mark}.",
        "fr": "Les cellules de moins de {k} personnes sont affichées {mark}.",
        "ar": "تُعرض الخلايا التي تضم أقل من {k} أشخاص على شكل {mark}.",
    },
    "report_weighted_by": {
        "en": "Weighted % by {field} (95 % Wilson interval on each group's effective n)",
        "fr": "% pondéré par {field} (intervalle de Wilson à 95 % sur le n effectif de chaque "
        "groupe)",
        "ar": "% مرجّح حسب {field} (فاصل ويلسون 95 % على n الفعلي لكل مجموعة)",
    },
    "report_groups_differ": {
        "en": "The groups answer differently: Rao–Scott test (second order) F = {f}, p = {p}, "
        "q = {q} after Benjamini–Hochberg over the {tests} tests of this wave.",
        "fr": "Les groupes répondent différemment : test de Rao–Scott (second ordre) F = {f}, "
        "p = {p}, q = {q} après Benjamini–Hochberg sur les {tests} tests de cette vague.",
        "ar": "تختلف إجابات المجموعات: اختبار راو–سكوت (من الدرجة الثانية) F = {f}، p = {p}، "
        "q = {q} بعد تصحيح بنجاميني–هوشبرغ على اختبارات هذه الجولة وعددها {tests}.",
    },
    "report_groups_alike": {
        "en": "No clear difference between the groups: Rao–Scott test (second order) F = {f}, "
        "p = {p}, q = {q} after Benjamini–Hochberg over the {tests} tests of this wave.",
        "fr": "Pas de différence nette entre les groupes : test de Rao–Scott (second ordre) "
        "F = {f}, p = {p}, q = {q} après Benjamini–Hochberg sur les {tests} tests de cette vague.",
        "ar": "لا فرق واضح بين المجموعات: اختبار راو–سكوت (من الدرجة الثانية) F = {f}، p = {p}، "
        "q = {q} بعد تصحيح بنجاميني–هوشبرغ على اختبارات هذه الجولة وعددها {tests}.",
    },
    "report_not_tested_not_a_table": {
        "en": "Not tested: several answers per person.",
        "fr": "Non testé : plusieurs réponses par personne.",
        "ar": "لم يُختبر: عدة إجابات للشخص الواحد.",
    },
    "report_not_tested_one_group": {
        "en": "Not tested: fewer than two groups or answers.",
        "fr": "Non testé : moins de deux groupes ou réponses.",
        "ar": "لم يُختبر: أقل من مجموعتين أو إجابتين.",
    },
    "report_not_tested_small_cells": {
        "en": "Not tested: some group has fewer than {k} people for some answer.",
        "fr": "Non testé : un groupe compte moins de {k} personnes pour une réponse.",
        "ar": "لم يُختبر: في إحدى المجموعات أقل من {k} أشخاص لإحدى الإجابات.",
    },
    "report_not_tested_small_effective_n": {
        "en": "Not tested: some group's effective n is below {k}.",
        "fr": "Non testé : le n effectif d'un groupe est inférieur à {k}.",
        "ar": "لم يُختبر: n الفعلي لإحدى المجموعات أقل من {k}.",
    },
    "report_test_rule": {
        "en": "Differences between groups: Rao–Scott test on the weighted table (second-order "
        "F, design effects from the weights by linearization), only where every group has at "
        "least {k} people for every answer; its p-values are adjusted with Benjamini–Hochberg "
        "over every test of the wave.",
        "fr": "Différences entre groupes : test de Rao–Scott sur le tableau pondéré (F de second "
        "ordre, effets de plan tirés des poids par linéarisation), seulement si chaque groupe "
        "compte au moins {k} personnes pour chaque réponse ; ses p sont ajustés par "
        "Benjamini–Hochberg sur tous les tests de la vague.",
        "ar": "الفروق بين المجموعات: اختبار راو–سكوت على الجدول المرجّح (F من الدرجة الثانية، "
        "وآثار التصميم من الأوزان بالتقريب الخطي)، فقط حيث تضم كل مجموعة {k} أشخاص على الأقل "
        "لكل إجابة؛ وتُصحَّح قيم p بطريقة بنجاميني–هوشبرغ على كل اختبارات الجولة.",
    },
}
