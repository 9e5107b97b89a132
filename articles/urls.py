from django.contrib.sitemaps.views import sitemap
from django.urls import path

from articles import views
from articles.feeds import ArticlesAtomFeed, ArticlesFeed
from articles.sitemaps import SITEMAPS
from community.cache import visitor_page_cache

app_name = "articles"

urlpatterns = [
    # Visitors get these pages whole from the cache (community/cache.py); members never do.
    path("articles/", visitor_page_cache(views.ArticleListView.as_view()), name="article-list"),
    path("articles/tag/<slug:tag>/", visitor_page_cache(views.ArticleListView.as_view()), name="tag"),
    path("articles/<slug:slug>/", visitor_page_cache(views.ArticleDetailView.as_view()), name="article-detail"),
    path("articles/<slug:slug>/poll/", views.poll_vote_view, name="poll-vote"),
    path("feeds/articles/", ArticlesFeed(), name="feed-rss"),
    path("feeds/articles/atom/", ArticlesAtomFeed(), name="feed-atom"),
    # The site's sitemap lists only public article pages, so it lives with them.
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
]
