"""The quiz engine: question banks, campaigns (a daily quiz or a timed contest), attempts timed by
the server and answers checked on the server, credited once through the ledger.

The engine names no programme. A programme that runs quizzes owns its banks and campaigns by a
short key of its own (``owner``, e.g. ``"knowledge"``) and tells the engine which ledger reason its
credits carry. How a programme (say, learning contests) uses it:

1. Declare the ledger reason in its ``hooks.py`` so the points page can name it::

       registry.add_ledger_reason("learning.contest", "学习竞赛")

2. Own a bank and a campaign (in a service or a data migration; usually through proxy models in
   the programme's ``models.py`` so its admin and queries see only its own rows, see
   ``engines.quiz.models.OwnerManager`` and how ``modules/knowledge/models.py`` does it)::

       from engines.quiz import services as quiz
       bank = quiz.bank_get_or_create(owner="learning", name="劳动法知识题库")
       quiz.questions_upsert(bank=bank, items=[{"key": "lab-001", "kind": "single", "text": "…",
                                                "options": ["…", "…"], "correct": [0]}])
       contest = Campaign.objects.create(owner="learning", name="劳动法知识竞赛", kind=Campaign.Kind.CONTEST,
                                         bank=bank, starts_at=…, ends_at=…, time_limit_seconds=600)

3. Start attempts and submit answers; the engine fixes the clock, checks the answer and posts
   the credit with the programme's reason and a source ``"<owner>.answer:<id>"``::

       attempt = quiz.attempt_start(campaign=contest, member=member)
       result = quiz.answer_submit(owner="learning", ledger_reason="learning.contest",
                                   attempt_id=attempt.pk, member=member, question_id=…,
                                   chosen=[0], client_key=uuid4().hex, actor=request.user)

The rules the engine keeps for every programme: one attempt per member per campaign and day
(a daily quiz) or in all (a contest); the server records the start and the deadline, answers after
it are kept but worth nothing; a retry with the same client key returns the first result; a
question earns a member points at most once a day, whatever campaign it comes from.
"""
