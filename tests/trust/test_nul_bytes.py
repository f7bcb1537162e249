"""NUL characters are refused at the door with a 400, on pages and in the API, never a 500."""


def test_nul_in_a_query_string_is_a_400_with_a_code(world):
    client = world.client_for(world.district_staff)
    response = client.get("/api/v1/orgs/?level=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    page = client.get("/knowledge/guide/?q=%E7%94%B5%00")
    assert page.status_code == 400


def test_nul_in_a_json_body_is_a_400(world):
    client = world.client_for(world.district_staff)
    response = client.post("/api/v1/orgs/", data='{"name": "a\\u0000b"}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_ordinary_requests_pass(world):
    assert world.client_for(world.district_staff).get("/api/v1/orgs/?level=street").status_code == 200
