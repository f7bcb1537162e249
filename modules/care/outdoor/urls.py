"""Mounted under the care programme's namespace: care:outdoor_plan, care:outdoor_courier."""

from django.urls import path

from modules.care.outdoor import views

urlpatterns = [
    path("", views.plan, name="outdoor_plan"),
    path("courier/", views.courier, name="outdoor_courier"),
]
