"""Questions and answers under /questions/.

Visitors get a gate (counts, one 200-character teaser, no names); members read
everything. Every response is noindex: member content stays out of search engines."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag

from community.cache import PostSource
from community.forms.discussion import AnswerForm, CommentForm, QuestionForm
from community.models import CURATED_TOPICS, Answer, Comment, Follow, Question
from community.services import discussion
from community.views.discussion import comment_section, comment_source, member_only, refuse
from community.views.moderation import announce_screening

QUESTIONS_PER_PAGE = 20
ANSWERS_PER_PAGE = 30
SORTS = {
    "newest": ("-created_at", "-pk"),
    "unanswered": ("-created_at", "-pk"),
    "active": ("-last_activity_at", "-pk"),
}
RELATED_LIMIT = 5


def noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def visitor_gate(request, *, question=None):
    context = {"question_count": Question.objects.visible().count(), "question": question}
    if question is not None:
        context["teaser"] = question.body[:200]
    return noindex(render(request, "community/questions/gate.html", context))


def question_list(request, tag_slug=None):
    if not request.user.is_authenticated:
        return visitor_gate(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "newest"
    # Tags into a plain list (`tag_list`): prefetching into the manager made taggit build a
    # filtered queryset per question just to hold the results (about 0.7 ms each).
    tags = Prefetch("tags", to_attr="tag_list")  # taggit takes no custom queryset here
    questions = Question.objects.visible().for_display().prefetch_related(tags).order_by(*SORTS[sort])
    if sort == "unanswered":
        questions = questions.filter(answer_count=0)
    tag = get_object_or_404(Tag, slug=tag_slug) if tag_slug else None
    if tag:
        questions = questions.filter(tags__slug=tag.slug)
    page = Paginator(questions, QUESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "sort": sort, "tag": tag, "sorts": SORTS, "topics": CURATED_TOPICS}
    return noindex(render(request, "community/questions/list.html", context))


@member_only
def question_ask(request):
    form = QuestionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = discussion.question_ask(
                author=request.user, title=data["title"], body=data["body"], tags=form.tags(),
                is_anonymous=data["is_anonymous"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not announce_screening(request, question):
                messages.success(request, _("Your question is posted. We will let you know when someone answers."))
            return redirect(question)
    status = 400 if form.errors else 200
    return render(request, "community/questions/ask.html", {"form": form}, status=status)


def _visible_answers(question, viewer):
    # Hidden answers stay in place as "removed by a moderator"; others' held ones are left out.
    return Answer.objects.filter(question=question, removed_at__isnull=True).for_viewer(viewer)


def _accepted_first(answers, question):
    if question.accepted_answer_id is None:
        # Nothing to put first: a plain order the (question, created_at) index serves, not a
        # sort of every answer by an expression (the same order, the same 0 for every answer).
        return answers.annotate(is_accepted=Value(0, output_field=IntegerField())).order_by("created_at", "pk")
    return answers.annotate(
        is_accepted=Case(
            When(pk=question.accepted_answer_id, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ).order_by("-is_accepted", "created_at", "pk")


def answer_source(question, viewer):
    """Answers for the fragment cache: full instances (with their comments) only for misses."""

    def load(rows):
        answers = list(
            _accepted_first(_visible_answers(question, viewer), question)
            .for_display()
            .filter(pk__in=[row.pk for row in rows])
        )
        under = comments_under(answers, viewer)
        for answer in answers:
            answer.comment_list = under[answer.pk]
        return {answer.pk: answer for answer in answers}

    return PostSource("answer", load)


def answers_for(question, page_number, viewer=None):
    """A page of visible answers, the asker's "most helpful" first, then oldest first,
    as FragmentRows (community/cache.py) with their comments' rows in `comment_list`."""
    page = Paginator(_accepted_first(_visible_answers(question, viewer), question), ANSWERS_PER_PAGE).get_page(
        page_number
    )
    answers = answer_source(question, viewer).rows(page.object_list, "is_accepted")
    grouped = {a.pk: [] for a in answers}
    if grouped:
        rows = Comment.objects.filter(answer__in=list(grouped)).for_viewer(viewer).order_by("created_at", "pk")
        for comment in comment_source(viewer).rows(rows, "answer_id"):
            grouped[comment.answer_id].append(comment)
    for answer in answers:
        answer.comment_list = grouped[answer.pk]
    page.object_list = answers
    return page


def comments_under(answers, viewer=None):
    """{answer_id: [comments]} for these answers, in one query."""
    grouped = {a.pk: [] for a in answers}
    rows = (
        Comment.objects.filter(answer__in=list(grouped)).for_viewer(viewer).for_display().order_by("created_at", "pk")
    )
    for comment in rows:
        grouped[comment.answer_id].append(comment)
    return grouped


def related_questions(question, tag_ids):
    if not tag_ids:
        return []
    return (
        Question.objects.visible()
        .filter(tags__in=tag_ids)
        .exclude(pk=question.pk)
        .annotate(shared=Count("tags", distinct=True))
        .order_by("-shared", "-created_at")
        # Only what the list shows: on SQLite the GROUP BY then covers three columns, not the texts.
        .only("pk", "title", "slug")[:RELATED_LIMIT]
    )


def question_detail(request, pk, slug=None):
    question = get_object_or_404(
        Question.objects.select_related("author__profile", "thread").prefetch_related(
            Prefetch("tags", to_attr="tag_list")
        ),
        pk=pk,
    )
    if (question.is_held and not question.is_by(request.user)) or (
        question.is_hidden_by_moderator and not request.user.is_authenticated
    ):
        raise Http404  # held: only its author sees it; hidden: no teaser for visitors
    if not request.user.is_authenticated:
        return visitor_gate(request, question=question)
    answer_page = answers_for(question, request.GET.get("answers"), request.user)
    answers = answer_page.object_list  # FragmentRows: full answers are loaded only for uncached fragments
    section = comment_section(
        request,
        question.thread,
        extra_comments=[c for a in answers for c in a.comment_list],
        extra_answers=answers,
        extra_questions=[question],
    )
    tags = question.tag_list
    context = {
        **section,
        "question": question,
        "answer_page": answer_page,
        "answers": answers,
        "tags": tags,
        "related": related_questions(question, [t.pk for t in tags]),
        "following": Follow.objects.filter(member=request.user, thread=question.thread).exists(),
        "answer_form": AnswerForm(user=request.user),
        "comment_form": CommentForm(user=request.user),
        "is_asker": question.is_by(request.user),
    }
    return noindex(render(request, "community/questions/detail.html", context))


@member_only
@require_POST
def answer_create(request, pk):
    question = get_object_or_404(Question.objects.select_related("thread"), pk=pk)
    form = AnswerForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "community/questions/answer_form.html", {"form": form, "question": question}, status=400)
    try:
        answer = discussion.answer_create(author=request.user, question=question, body=form.cleaned_data["body"])
    except ValidationError as error:
        return refuse(request, error, question.get_absolute_url())
    if not announce_screening(request, answer):
        messages.success(request, _("Thank you. Your answer is posted."))
    return redirect(f"{question.get_absolute_url()}#answer-{answer.pk}")


@member_only
@require_POST
def answer_accept(request, pk):
    answer = get_object_or_404(Answer, pk=pk)
    try:
        discussion.answer_accept(answer=answer, member=request.user)
    except ValidationError as error:
        return refuse(request, error, answer.get_absolute_url())
    messages.success(request, _("Marked as most helpful to you. It is now shown first."))
    return redirect(answer.get_absolute_url())


def _own(model, request, pk):
    post = get_object_or_404(model, pk=pk)
    if not post.is_by(request.user):
        raise PermissionDenied(_("Only the person who wrote this can change it."))
    return post


@member_only
def question_edit(request, pk):
    question = _own(Question, request, pk)
    tags = list(question.tags.all())
    initial = {
        "title": question.title,
        "body": question.body,
        "topics": [t.name for t in tags if t.name in CURATED_TOPICS],
        # The tag widget formats Tag objects (a list of plain names made this page a 500).
        "other_tags": [t for t in tags if t.name not in CURATED_TOPICS],
    }
    form = QuestionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        discussion.question_edit(
            question=question, editor=request.user, title=data["title"], body=data["body"], tags=form.tags()
        )
        messages.success(request, _("Your changes are saved."))
        return redirect(question)
    status = 400 if form.errors else 200
    return render(request, "community/questions/edit.html", {"form": form, "question": question}, status=status)


@member_only
def answer_edit(request, pk):
    answer = _own(Answer, request, pk)
    form = AnswerForm(request.POST or None, user=request.user, initial={"body": answer.body})
    if request.method == "POST" and form.is_valid():
        discussion.answer_edit(answer=answer, editor=request.user, body=form.cleaned_data["body"])
        messages.success(request, _("Your changes are saved."))
        return redirect(answer.get_absolute_url())
    status = 400 if form.errors else 200
    return render(request, "community/questions/answer_edit.html", {"form": form, "answer": answer}, status=status)


@member_only
def post_delete(request, kind, pk):
    model, remove = {"question": (Question, discussion.question_remove), "answer": (Answer, discussion.answer_remove)}[
        kind
    ]
    post = _own(model, request, pk)
    if request.method == "POST":
        remove(**{kind: post, "member": request.user})
        messages.success(request, _("It is removed."))
        return redirect("community:question-list" if kind == "question" else post.get_absolute_url())
    return render(request, "community/questions/delete.html", {"post": post, "kind": kind})
