"""The page walk at its edges (pure): caps are errors just past them, skip paging is trusted only
without links and only up to the total, and odd ids never merge distinct items."""

from child_deploy.octopus import paging
from child_deploy.octopus.paging import PageWalk, next_page


def test_the_caps_allow_exactly_their_size_and_refuse_one_more():
    walk = PageWalk()
    walk.pages, walk.count = paging.MAX_PAGES, paging.MAX_ITEMS
    assert walk.over_cap() == ""
    walk.count += 1
    assert walk.over_cap() == "more than {0} items".format(paging.MAX_ITEMS)
    walk.count, walk.pages = paging.MAX_ITEMS, paging.MAX_PAGES + 1
    assert walk.over_cap() == "more than {0} pages".format(paging.MAX_PAGES)


def test_the_count_is_the_distinct_items_kept():
    walk = PageWalk()
    fresh, repeated = walk.take([{"Id": "A"}, {"Id": "B"}, {"Id": "A"}])
    assert [i["Id"] for i in fresh] == ["A", "B"] and walk.count == 2 and not repeated
    walk.pages, walk.count = 0, paging.MAX_ITEMS - 2
    walk.take([{"Id": "C"}, {"Id": "D"}])
    assert walk.count == paging.MAX_ITEMS and walk.over_cap() == ""


def test_an_id_that_is_a_boolean_is_no_id():
    walk = PageWalk()
    fresh, repeated = walk.take([{"Id": True, "n": 1}, {"Id": True, "n": 2}])
    assert [i["n"] for i in fresh] == [1, 2] and not repeated


def test_skip_paging_goes_up_to_the_total_and_no_further():
    walk = PageWalk()
    walk.take([{"Id": 1}, {"Id": 2}])
    assert next_page({"Items": [], "TotalResults": 3}, walk) == (("skip", 2), "")
    assert next_page({"Items": [], "TotalResults": 2}, walk) == (None, "")


def test_a_page_with_links_but_no_next_is_the_last_whatever_its_total():
    walk = PageWalk()
    walk.take([{"Id": 1}])
    assert next_page({"Items": [], "TotalResults": 500, "Links": {"Self": "/x"}}, walk) == (None, "")
