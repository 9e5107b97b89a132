"""/search/?q=: members search everything; visitors only public sources (articles)."""

from django.shortcuts import render

from community.forms.discussion import SearchForm
from community.search import search


def search_page(request):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hits = search(query, user=request.user) if query else []
    context = {"form": form, "query": query, "hits": hits, "is_visitor": not request.user.is_authenticated}
    response = render(request, "community/search/results.html", context)
    response["X-Robots-Tag"] = "noindex, follow"
    return response
