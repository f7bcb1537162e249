"""The short link printed in every bag's QR code: /b/<code>."""

from django.urls import path

from modules.bags import views_field

urlpatterns = [path("b/<str:code>", views_field.bag_short, name="bag_short")]
