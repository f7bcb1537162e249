"""The bag platform's pages: field work (batches, labels, binding, collection) and the worker side
(points, history, rankings) live in two files so each can grow on its own."""

from modules.bags import urls_field, urls_worker

app_name = "bags"
urlpatterns = [*urls_field.urlpatterns, *urls_worker.urlpatterns]
