"""Issue 16.17: a page route answers a malformed or out-of-range id with the site's error page (Chinese or
English), never the API's JSON 422; the API keeps its JSON error shape whatever the Accept header says."""

from __future__ import annotations

from tests.registry.support import RegistryServer

TOO_BIG = str(2**63)  # one past the largest id any database column holds
WAY_TOO_BIG = "9" * 40


def test_page_routes_answer_bad_ids_with_the_error_page(registry_server: RegistryServer) -> None:
    for accept in ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "*/*"):
        for bad_id in (TOO_BIG, WAY_TOO_BIG, "abc", "1.5"):
            for language, text in (("zh-CN", "页面不存在"), ("en", "Page not found")):
                headers = {"Accept": accept, "Accept-Language": language}
                response = registry_server.request("GET", f"/usecases/{bad_id}", token=None, headers=headers)
                case = (accept, bad_id, language)
                assert response.status_code == 404, (case, response.text[:300])
                assert response.headers["content-type"].startswith("text/html"), case
                assert text in response.text, case
                assert '"error"' not in response.text, case


def test_bad_query_parameter_on_a_page_is_a_page_too(registry_server: RegistryServer) -> None:
    # The staff export takes the catalog's filters; a page parameter that is not a number must not become JSON.
    response = registry_server.request(
        "GET", "/", token=None, params={"page": WAY_TOO_BIG}, headers={"Accept": "text/html", "Accept-Language": "en"}
    )
    assert response.status_code in (200, 400)
    assert response.headers["content-type"].startswith("text/html")


def test_the_api_keeps_json_even_for_browsers(registry_server: RegistryServer) -> None:
    for bad_id in (TOO_BIG, "abc"):
        response = registry_server.request(
            "GET", f"/api/v1/usecases/{bad_id}", token=None, headers={"Accept": "text/html"}
        )
        assert response.status_code == 422, bad_id
        assert response.json()["error"]["code"] == "validation_error"
