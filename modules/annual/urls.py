from django.urls import path

from modules.annual import views

app_name = "annual"

urlpatterns = [
    path("", views.review_page, name="review"),
    path("narrative/<int:year>/<str:chapter>/", views.narrative_edit, name="narrative"),
    path("export/", views.export, name="export"),
]
