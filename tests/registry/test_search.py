"""Search by name, part of a name, former name, pinyin and code, over realistic generated names."""

from __future__ import annotations

import csv
import importlib
import random
from pathlib import Path

import opencc
import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from registry import search, services, uscc
from registry import selectors as registry_selectors
from registry.importing import enterprise_import
from registry.models import Enterprise
from registry.pinyin import name_readings
from registry.search import highlight, normalize, plan_query, search_fields
from registry.seeding import enterprises_seed_synthetic
from registry.selectors import column_stats, enterprise_code_suggestions, enterprise_list, search_page
from tests.factories import EnterpriseFactory, enterprise_code
from tests.plans import explain_generic

pytestmark = [pytest.mark.django_db]

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo_enterprises.csv"


def names_found(query: str, **kwargs) -> list[str]:
    return list(enterprise_list(query=query, **kwargs).values_list("name", flat=True))


def codes_found(query: str) -> list[str]:
    return list(enterprise_list(query=query).values_list("uscc", flat=True))


@pytest.fixture
def generated(registry_admin):
    """Three thousand names made the way the synthetic seed makes them, written by its COPY."""
    enterprises_seed_synthetic(count=3000, actor=registry_admin)
    rows = list(Enterprise.objects.values_list("uscc", "name"))
    return random.Random(7).sample(rows, 60)


# --- Query plans ---------------------------------------------------------------------------------
# A plan depends on the statistics the planner reads, and those outlive the tests that made them:
# ANALYZE writes a table's size into pg_class in place, so a rolled-back test leaves it behind, and
# autovacuum (on in the embedded PostgreSQL) visits tables whenever its timer says. A small table
# analysed as nearly empty is read whole through any btree index rather than through the GIN index,
# so a plan test that relied on "never analysed" passed alone and failed after a long, loaded run.
# Plan tests therefore make their own tables, the size of a small registry, and VACUUM ANALYZE them.
PLANNED_ENTERPRISES = 3000


@pytest.fixture
def planned_registry(transactional_db, registry_admin, monkeypatch):
    """Enterprises and former names the size of a small registry, vacuumed and analysed (every row
    sampled, so the statistics are the same on every run), and the common lexemes read afresh."""
    enterprises_seed_synthetic(count=PLANNED_ENTERPRISES, actor=registry_admin)
    with connection.cursor() as cursor:
        # Each enterprise formerly bore its neighbour's name: as many former names as enterprises.
        cursor.execute(
            "INSERT INTO registry_enterpriseformername (enterprise_id, name) "
            "SELECT id, lead(name, 1, name || '旧') OVER (ORDER BY id) FROM registry_enterprise"
        )
    target = EnterpriseFactory(name="杭州西湖建设有限公司")
    target.former_names.create(name="西湖建设营造厂")
    EnterpriseFactory(name="深圳市腾达科技有限公司")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_enterprise, registry_enterpriseformername")
    monkeypatch.setattr(column_stats, "_common_cache", (float("-inf"), {}))
    monkeypatch.setattr(column_stats, "_common_pinyin_cache", (float("-inf"), {}))
    yield
    # The flush empties the tables (and TRUNCATE forgets their size) but not the column statistics:
    # leave none for later tests' common pairs (a superuser's right; otherwise they stay, harmless).
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM pg_statistic WHERE starelid IN "
                "('registry_enterprise'::regclass, 'registry_enterpriseformername'::regclass)"
            )
    except DatabaseError:
        pass


def explain(query: str) -> str:
    sql, params = enterprise_list(query=query).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # At 3,000 rows reading the table whole is still the cheapest plan; at a registry's millions it
        # never is. Without seq scans the planner must choose among the indexes, which is under test.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


# --- The stored document ------------------------------------------------------------------------


def test_python_and_sql_normalise_names_alike():
    with DEMO.open(encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    names += [
        "通成（杭州）影视传媒有限公司",
        "Ａｂｃ·科技 (上海)\u3000有限公司",
        "【老字号】‘张’记—小吃、店",
        "a_b%c\\d'e\"f",
        "ＡＢＣ１２３",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT n, registry_search_normalize(n) FROM unnest(%s::text[]) n", [names])
        for name, sql_normalized in cursor.fetchall():
            assert sql_normalized == normalize(name), name


def test_the_documents_hold_character_pairs_and_pinyin_pairs_with_positions():
    fields = search_fields("杭州（西湖）建设有限公司")
    assert fields["search_name"] == "杭州西湖建设有限公司"
    for lexeme in ("'杭州'", "'州西'", "'西湖'", "'湖建'"):
        assert lexeme in fields["search_vector"]
    assert "hang" not in fields["search_vector"]  # pinyin has a column of its own
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme, positions FROM unnest(%s::tsvector)", [fields["search_pinyin"]])
        lexemes = {lexeme: list(positions) for lexeme, positions in cursor.fetchall()}
    assert lexemes["hang-zhou"] == [1] and lexemes["^hang-zhou"] == [1]
    assert lexemes["~hz"] == [1] and lexemes["^~hz"] == [1]
    assert lexemes["xi-hu"] == [3] and lexemes["~xh"] == [3]
    assert lexemes["gong-si"] == [9]
    assert lexemes["~hzx"] == [1] and lexemes["~yxg"] == [7] and lexemes["~xgs"] == [8]
    assert "^xi-hu" not in lexemes and "~gs" in lexemes and "~gsx" not in lexemes


def test_heteronyms_are_indexed_under_each_common_reading():
    pinyin = search_fields("长沙银行重庆分行")["search_pinyin"]
    for lexeme in ("'chang-sha'", "'zhang-sha'", "'yin-hang'", "'yin-xing'", "'chong-qing'", "'zhong-qing'"):
        assert lexeme in pinyin
    # Rare readings are not (达 is never read ti or ta in a name), nor interjections.
    assert "'teng-ti'" not in search_fields("腾达")["search_pinyin"]
    # A word of the phrase dictionary adds its own reading: 会计 is kuaiji, 会 alone is hui.
    assert "'kuai-ji'" in search_fields("杭州会计师事务所")["search_pinyin"]
    assert "kuai" not in search_fields("杭州会展中心")["search_pinyin"]


def test_every_write_path_fills_the_search_columns(registry_admin, tmp_path):
    registered = services.enterprise_register(
        actor=registry_admin, data={"uscc": enterprise_code(1), "name": "杭州西湖恒达建设工程有限公司"}
    )
    services.enterprise_update(
        actor=registry_admin, enterprise=registered, data={"name": "杭州之江恒达建设有限公司"}
    )
    path = tmp_path / "e.csv"
    path.write_text(
        f"统一社会信用代码,企业名称,曾用名\n{enterprise_code(2)},宁波北仑港口物流有限公司,宁波老港运输有限公司\n",
        encoding="utf-8",
    )
    assert enterprise_import(actor=registry_admin, path=path).created == 1
    enterprises_seed_synthetic(count=5, actor=registry_admin)
    assert not Enterprise.objects.filter(search_name="").exists()
    assert not Enterprise.objects.filter(search_vector__isnull=True).exists()
    assert not Enterprise.objects.filter(search_pinyin__isnull=True).exists()
    assert names_found("zhijiang hengda") == ["杭州之江恒达建设有限公司"]
    assert names_found("beilun gangkou") == ["宁波北仑港口物流有限公司"]
    assert names_found("blgk") == ["宁波北仑港口物流有限公司"]
    assert names_found("之江恒达") == ["杭州之江恒达建设有限公司"]
    assert names_found("西湖恒达") == ["杭州之江恒达建设有限公司"]  # the old name is now a former name
    assert names_found("北仑港口") == ["宁波北仑港口物流有限公司"]
    assert names_found("老港运输") == ["宁波北仑港口物流有限公司"]


def test_an_import_that_renames_updates_the_search_columns(registry_admin, tmp_path):
    EnterpriseFactory(uscc=enterprise_code(3), name="温州鹿城华盛电器有限公司")
    path = tmp_path / "e.csv"
    path.write_text(
        f"统一社会信用代码,企业名称\n{enterprise_code(3)},温州瓯海华盛电器有限公司\n", encoding="utf-8"
    )
    assert enterprise_import(actor=registry_admin, path=path).updated == 1
    assert names_found("瓯海华盛") == ["温州瓯海华盛电器有限公司"]
    assert names_found("ouhai") == ["温州瓯海华盛电器有限公司"]
    assert names_found("lucheng") == []
    assert names_found("鹿城华盛") == ["温州瓯海华盛电器有限公司"]


# --- Names --------------------------------------------------------------------------------------


def test_any_two_and_four_consecutive_characters_find_the_name(generated):
    rnd = random.Random(11)
    for code, name in generated:
        core = normalize(name)
        for width in (2, 4):
            start = rnd.randrange(0, len(core) - width + 1)
            part = core[start : start + width]
            found = enterprise_list(query=part, limit=5000)
            assert found.filter(uscc=code).exists(), (part, name)
            assert all(part in normalize(n) for n in found.values_list("name", flat=True)[:200]), part


def test_full_name_with_or_without_legal_form_comes_first(generated):
    for code, name in generated[:30]:
        assert codes_found(name)[0] == code or normalize(name) == normalize(
            Enterprise.objects.get(uscc=codes_found(name)[0]).name
        ), name
        bare = search.strip_legal_form(normalize(name))
        assert code in codes_found(bare)[:5], name
        if normalize(name).endswith("有限公司") and not normalize(name).endswith("股份有限公司"):
            assert code in codes_found(bare + "股份有限公司"), name


def test_brackets_of_either_width_and_spaces_do_not_matter():
    EnterpriseFactory(name="通成（杭州）影视传媒有限公司")
    for query in [
        "通成(杭州)影视",
        "通成（杭州）影视传媒有限公司",
        "通成 杭州 影视",
        "通成杭州影视",
        "（杭州）影视",
    ]:
        assert names_found(query) == ["通成（杭州）影视传媒有限公司"], query
    EnterpriseFactory(name="上海·浦东 新区科技有限公司")
    assert names_found("上海浦东新区") == ["上海·浦东 新区科技有限公司"]


def test_traditional_characters_find_simplified_names_and_back(generated):
    to_traditional = opencc.OpenCC("s2t")
    for code, name in generated[:20]:
        assert code in codes_found(to_traditional.convert(name)), name
    EnterpriseFactory(name="香港長江實業有限公司")
    assert names_found("长江实业") == ["香港長江實業有限公司"]


def test_pinyin_whole_and_initials_find_the_beginning_of_a_name():
    EnterpriseFactory(name="杭州西湖恒达建设工程有限公司")
    EnterpriseFactory(name="宁波北仑港口物流有限公司")
    assert names_found("hangzhou xihu") == ["杭州西湖恒达建设工程有限公司"]
    assert names_found("HangZhouXiHu") == ["杭州西湖恒达建设工程有限公司"]
    assert names_found("hzxh") == ["杭州西湖恒达建设工程有限公司"]
    assert names_found("nbbl") == ["宁波北仑港口物流有限公司"]
    assert names_found("shanghai") == []


def test_pinyin_syllables_and_initials_find_any_run_of_the_name():
    EnterpriseFactory(name="深圳市腾达科技有限公司")
    EnterpriseFactory(name="杭州西湖恒达建设工程有限公司")
    EnterpriseFactory(name="宁波北仑港口物流有限公司")
    for query in (
        "tengda",
        "teng da",
        "TengDa",
        "teng'da",
        "Téng Dá",
        "ｔｅｎｇｄａ",
        "shenzhenshitengda",
        "shitengdakeji",
        "szstd",
        "td",
        "tdkj",
    ):
        assert names_found(query) == ["深圳市腾达科技有限公司"], query
    for query in ("xihu", "xi hu", "xihuhengda", "xhhd", "hd", "hengda"):
        assert names_found(query) == ["杭州西湖恒达建设工程有限公司"], query
    for query in ("beilun", "gangkou wuliu", "blgk", "wl"):
        assert names_found(query) == ["宁波北仑港口物流有限公司"], query
    assert names_found("kj") == ["深圳市腾达科技有限公司"]
    assert len(names_found("youxiangongsi")) == 3


def test_pinyin_matches_whole_syllables_only():
    EnterpriseFactory(name="天津天安科技有限公司")
    assert names_found("tianan") == ["天津天安科技有限公司"]
    assert names_found("anke") == ["天津天安科技有限公司"]  # 安科: a run starting at a syllable
    assert names_found("ian") == []  # inside tian, not a syllable of its own
    assert names_found("anjin") == []  # the end of tian and jin: across a syllable boundary
    assert names_found("tianji") == []  # 津 is jin: a syllable is matched whole, not its beginning
    assert names_found("tian jin") == ["天津天安科技有限公司"]


def test_pinyin_finds_heteronyms_by_the_reading_in_use():
    EnterpriseFactory(name="中国银行股份有限公司")
    EnterpriseFactory(name="重庆长安汽车股份有限公司")
    EnterpriseFactory(name="厦门天健会计师事务所")
    assert names_found("yinhang") == ["中国银行股份有限公司"]
    assert names_found("chongqing") == ["重庆长安汽车股份有限公司"]
    assert names_found("changan") == ["重庆长安汽车股份有限公司"]
    assert names_found("kuaiji") == ["厦门天健会计师事务所"]
    assert names_found("xiamen") == ["厦门天健会计师事务所"]
    assert names_found("xi'an") == []  # 西安 is not in any of these names


def test_pinyin_ranks_the_beginning_then_syllables_then_initials():
    EnterpriseFactory(name="腾达科技有限公司")
    EnterpriseFactory(name="杭州腾达科技股份有限公司")
    EnterpriseFactory(name="天地科技集团有限公司")
    EnterpriseFactory(name="杭州天地科技有限公司")
    EnterpriseFactory(name="腾达投资有限公司", status="deregistered")
    assert names_found("tengda") == [
        "腾达科技有限公司",  # the syllables begin the name
        "杭州腾达科技股份有限公司",  # the syllables elsewhere
        "腾达投资有限公司",  # deregistered: last
    ]
    assert names_found("td") == [
        "腾达科技有限公司",  # the initials begin the name, shorter first
        "天地科技集团有限公司",
        "杭州天地科技有限公司",  # the initials elsewhere, shorter first
        "杭州腾达科技股份有限公司",
        "腾达投资有限公司",
    ]


def test_latin_letters_written_in_a_name_are_found():
    EnterpriseFactory(name="TCL科技集团股份有限公司")
    EnterpriseFactory(name="深圳市ABC电子有限公司")
    assert names_found("tcl") == ["TCL科技集团股份有限公司"]
    assert names_found("tclkj") == ["TCL科技集团股份有限公司"]  # letters read as themselves
    assert names_found("abc") == ["深圳市ABC电子有限公司"]
    assert names_found("bc") == ["深圳市ABC电子有限公司"]


def test_pinyin_of_any_run_of_generated_names(generated):
    """Syllables and initials of a random run of 2 to 4 characters find the name; every name found
    holds a run read that way."""
    rnd = random.Random(13)
    for code, name in generated[:40]:
        readings = name_readings(normalize(name))
        width = rnd.choice((2, 3, 4))
        starts = [i for i in range(len(readings) - width + 1) if all(readings[i : i + width])]
        start = rnd.choice(starts)
        run = [rnd.choice(r) for r in readings[start : start + width]]
        for query in ("".join(run), " ".join(run), "".join(s[0] for s in run)):
            plan = plan_query(query)
            found = enterprise_list(query=query, limit=5000)
            assert found.filter(uscc=code).exists(), (query, name)
            for other in found.values_list("name", flat=True)[:100]:
                assert "<mark>" in highlight(other, plan), (query, other)


def test_common_pinyin_lexemes_are_left_out_of_the_index_query_but_matches_stay_exact(monkeypatch):
    monkeypatch.setattr(column_stats, "_common_pinyin_cache", (float("inf"), {"~yxg": 0.9, "~xgs": 0.9}))
    EnterpriseFactory(name="杭州腾达科技有限公司")
    EnterpriseFactory(name="杭州科技腾达有限公司")
    plan = registry_selectors.enterprise_search_plan("kjyxgs")
    assert "~yxg" not in plan.pinyin_index_query and "~kjy" in plan.pinyin_index_query
    assert "~yxg" in plan.pinyin_query
    assert names_found("kjyxgs") == ["杭州腾达科技有限公司"]
    assert sorted(names_found("yxgs")) == ["杭州科技腾达有限公司", "杭州腾达科技有限公司"]  # only common ones


def test_the_plan_uses_the_pinyin_index(planned_registry):
    assert "enterprise_search_pinyin" in explain("tengda")


def test_the_migration_backfills_existing_enterprises(monkeypatch):
    """Rows written before the pinyin column (with the whole-name pinyin lexemes of old) are rewritten."""
    migration = importlib.import_module("registry.migrations.0011_enterprise_search_pinyin")
    names = ["深圳市腾达科技有限公司", "杭州西湖建设有限公司", "TCL科技集团股份有限公司"]
    for name in names:
        EnterpriseFactory(name=name)
    Enterprise.objects.update(search_pinyin=None, search_vector="'>shenzhenshitengda' '~szstd' '深圳'")
    monkeypatch.setattr(migration, "BATCH", 2)  # more than one batch
    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)
    with connection.cursor() as cursor:
        for name in names:
            fields = search_fields(name)
            cursor.execute(
                "SELECT search_vector = %s::tsvector AND search_pinyin = %s::tsvector FROM registry_enterprise "
                "WHERE name = %s",
                [fields["search_vector"], fields["search_pinyin"], name],
            )
            assert cursor.fetchone() == (True,), name
    assert names_found("tengda") == ["深圳市腾达科技有限公司"]


def test_former_names_are_found_whichever_way_they_were_written(registry_admin):
    enterprise = EnterpriseFactory(name="杭州之江建设有限公司")
    enterprise.former_names.create(name="杭州老字号建筑有限公司")
    services.enterprise_add_former_name(actor=registry_admin, enterprise=enterprise, name="西湖恒达营造厂")
    assert names_found("老字号") == ["杭州之江建设有限公司"]
    assert names_found("恒达营造") == ["杭州之江建设有限公司"]
    found = enterprise_list(query="老字号").get()
    assert found.rank == 3 and found.former_match == "杭州老字号建筑有限公司"


def test_exact_then_prefix_then_contains_and_active_before_deregistered():
    EnterpriseFactory(name="杭州西湖建设工程有限公司")
    EnterpriseFactory(name="西湖建设有限公司", status="deregistered")
    EnterpriseFactory(name="西湖建设工程有限公司")
    EnterpriseFactory(name="西湖建设有限公司分公司")
    EnterpriseFactory(name="西湖建设股份有限公司")
    EnterpriseFactory(name="宁波西湖建设有限公司", status="revoked")
    assert names_found("西湖建设有限公司") == [
        "西湖建设股份有限公司",  # exact, the legal form aside
        "西湖建设工程有限公司",  # begins with the query (shorter first)
        "西湖建设有限公司分公司",
        "杭州西湖建设工程有限公司",  # contains it
        "西湖建设有限公司",  # exact but deregistered
        "宁波西湖建设有限公司",
    ]


def test_one_character_finds_nothing_and_blank_lists_all():
    EnterpriseFactory(name="杭州西湖建设有限公司")
    assert names_found("西") == []
    assert plan_query("西").kind == "too_short"
    assert names_found("  ") == ["杭州西湖建设有限公司"]


def test_common_pairs_are_left_out_of_the_index_query_but_matches_stay_exact(monkeypatch):
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), {"科技": 0.2}))
    EnterpriseFactory(name="杭州恒达科技有限公司")
    EnterpriseFactory(name="杭州科技恒达有限公司")
    plan = registry_selectors.enterprise_search_plan("恒达科技有限")
    assert "'科技'" not in plan.tsquery and "'有限'" not in plan.tsquery
    assert names_found("恒达科技有限") == ["杭州恒达科技有限公司"]


def test_a_very_common_pair_is_never_counted_past_the_limit():
    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=enterprise_code(5000 + n),
            name=f"杭州恒{n}科技有限公司",
            division_code="330106",
            **search_fields(f"杭州恒{n}科技有限公司"),
        )
        for n in range(30)
    )
    assert enterprise_list(query="科技", limit=10).count() <= 2 * 11
    assert enterprise_list(query="科技", limit=10).count() > 10
    assert enterprise_list(query="科技", limit=100).count() == 30


def test_the_plan_uses_the_bigram_index(planned_registry):
    plan = explain("西湖建设")
    assert "enterprise_search_bigrams" in plan
    assert "former_name_search_bigrams" in plan
    assert "enterprise_search_name" in plan  # exact and prefix on the normalised name


def _page_statements(query: str) -> list[tuple[str, list]]:
    """The statements the search page runs for ``query``, with their parameters."""
    ran = []

    def capture(execute, sql, params, many, context):
        ran.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        search_page.enterprise_search_page(query=query)
    return [(sql, params) for sql, params in ran if "result_count" in sql]


def test_a_generic_plan_reads_a_names_beginning_as_a_range_of_the_names_index(planned_registry):
    """A ``LIKE`` whose pattern is a parameter is no index condition: a generic plan of the page read
    the whole names' index for the names beginning with the query (8 s at 1 M names). As a range
    between the query and the query followed by the last code point, it is one."""
    (statement,) = _page_statements("西湖建设")
    plan = explain_generic(*statement)
    assert plan.count("Index Cond: ((search_name ~>=~ $") == 2  # one part per variant (建設)
    assert "Filter: (search_name ~~ $" not in plan  # no pattern left to filter the whole index with
    assert "enterprise_search_bigrams" in plan and "former_name_search_bigrams" in plan


def test_a_search_page_is_planned_once_for_any_values_and_finds_what_the_list_does(planned_registry):
    """Prepared, with ``plan_cache_mode = force_generic_plan`` on the connection (the settings): planning
    a page's query for its values cost PostgreSQL more than running it. Whatever the plan, a page is
    the start of ``enterprise_list``'s ranking (planned for its values, its SQL bound on the client)."""
    queries = ["西湖建设", "腾达科技", "杭州西湖", "有限公司", "tengda", "txkj", "xihu"]
    for query in queries:
        page = search_page.enterprise_search_page(query=query, per_page=5)
        listed = list(enterprise_list(query=query).values_list("uscc", flat=True)[:5])
        assert [hit.uscc for hit in page.hits] == listed, query
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%result_count%"],
        )
        plans = cursor.fetchall()
    assert plans and all(custom == 0 and generic >= 1 for generic, custom in plans)
    assert sum(generic for generic, _ in plans) >= len(queries)


def test_a_name_beginning_with_the_query_is_one_whatever_follows_and_only_such_names_are(monkeypatch):
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), {}))
    EnterpriseFactory(name="西湖𠮷祥有限公司")  # a character of four bytes after the query
    EnterpriseFactory(name="西湖")
    EnterpriseFactory(name="西湗建设有限公司")  # the code point after 湖: no beginning of 西湖
    EnterpriseFactory(name="杭州西湖有限公司")
    page = search_page.enterprise_search_page(query="西湖")
    assert [(hit.name, hit.rank) for hit in page.hits] == [
        ("西湖", 0),
        ("西湖𠮷祥有限公司", 1),
        ("杭州西湖有限公司", 2),
    ]


# --- Codes ----------------------------------------------------------------------------------------


def test_code_prefix_and_lowercase_code_with_spaces():
    enterprise = EnterpriseFactory()
    EnterpriseFactory(uscc=enterprise_code(77, division="110105"))
    assert codes_found(enterprise.uscc[:8]) == [enterprise.uscc]
    spaced = f"{enterprise.uscc[:2]} {enterprise.uscc[2:8]} {enterprise.uscc[8:]}".lower()
    assert codes_found(spaced) == [enterprise.uscc]
    assert codes_found(enterprise.uscc[:10].lower()) == [enterprise.uscc]


def test_a_code_one_character_wrong_suggests_registered_neighbours_only():
    enterprise = EnterpriseFactory()
    code = enterprise.uscc
    wrong = code[:12] + ("0" if code[12] != "0" else "1") + code[13:]
    neighbours = search.code_neighbours(wrong)
    assert code in neighbours and len(neighbours) > 1
    assert all(uscc.is_valid(n) for n in neighbours)
    assert [e.uscc for e in enterprise_code_suggestions(code=wrong)] == [code]
    # Another valid neighbour exists as a code but is not registered: never suggested.
    absent = next(n for n in neighbours if n != code)
    assert not Enterprise.objects.filter(uscc=absent).exists()


def test_swapped_neighbours_are_suggested():
    code = next(enterprise_code(n) for n in range(100) if enterprise_code(n)[9] != enterprise_code(n)[10])
    enterprise = EnterpriseFactory(uscc=code)
    swapped = code[:9] + code[10] + code[9] + code[11:]
    assert [e.uscc for e in enterprise_code_suggestions(code=swapped.lower())] == [enterprise.uscc]


# --- Highlighting ---------------------------------------------------------------------------------


def test_highlight_marks_the_match_and_escapes_everything_else():
    html = highlight("<b>杭州</b>西湖建设&有限公司", plan_query("西湖建设"))
    assert html == "&lt;b&gt;杭州&lt;/b&gt;<mark>西湖建设</mark>&amp;有限公司"
    html = highlight("通成（杭州）影视", plan_query("成(杭州)影"))
    assert html == "通<mark>成（杭州）影</mark>视"
    html = highlight("杭州西湖建设", plan_query("<script>西湖"))
    assert "<script>" not in html
    assert highlight("杭州西湖建设", plan_query("hzxh")) == "<mark>杭州西湖</mark>建设"
    assert highlight("深圳市腾达科技", plan_query("tengda")) == "深圳市<mark>腾达</mark>科技"
    assert highlight("深圳市（腾达）科技", plan_query("shi teng da")) == "深圳<mark>市（腾达</mark>）科技"
    assert highlight("天津天安", plan_query("ian")) == "天津天安"
    assert highlight("杭州西湖建設", plan_query("西湖建设")) == "杭州<mark>西湖建設</mark>"
    # Names in the compared form already (most), and not: upper case, traditional script, signs.
    assert highlight("TCL科技集团", plan_query("tcl")) == "<mark>TCL</mark>科技集团"
    assert highlight("tcl科技 & <x>", plan_query("tcl")) == "<mark>tcl</mark>科技 &amp; &lt;x&gt;"
    assert highlight("深圳市騰達科技", plan_query("tengda")) == "深圳市<mark>騰達</mark>科技"
    assert highlight("深圳市騰達科技", plan_query("腾达")) == "深圳市<mark>騰達</mark>科技"


def test_long_or_odd_letter_queries_are_answered_without_error():
    EnterpriseFactory(name="深圳市腾达科技有限公司")
    for query in (
        "a" * 100,
        "'" * 50,
        "x'" * 40,
        "zhuang" * 15,
        "ü" * 3,
        "lüe lve nue",
        "teng" * 20,
        "xianxianxianxian",
    ):
        plan = plan_query(query)
        assert plan.kind in ("name", "too_short"), query
        list(enterprise_list(query=query)[:5])
        highlight("深圳市腾达科技有限公司", plan)
    assert len(plan_query("xianxianxianxian").syllables) <= 16


# --- A page of results in one compiled query (the search page and the public API) ---------------


def _page_codes(query: str, number: int) -> tuple[list[str], int, int]:
    found = registry_selectors.enterprise_search_page(query=query, number=number)
    return [hit.uscc for hit in found.hits], found.count, found.number


def test_a_page_holds_the_lists_results_in_its_order_and_their_number(generated):
    rnd = random.Random(5)
    queries = []
    for code, name in generated[:25]:
        core = normalize(name)
        start = rnd.randrange(0, len(core) - 1)
        queries += [core[start : start + 2], core[start : start + 3], code[: rnd.randint(4, 12)]]
        readings = [r for r in name_readings(core)[:2] if r]
        if len(readings) == 2:
            queries += ["".join(r[0] for r in readings), "".join(r[0][0] for r in readings)]
    for query in queries:
        listed = list(enterprise_list(query=query).values_list("uscc", flat=True))
        if len(listed) > registry_selectors.SEARCH_LIMIT:
            continue  # past the limit the list itself is some 201 of the matches, not always the same
        for number in (1, 2):
            codes, count, shown = _page_codes(query, number)
            assert count == len(listed), query
            assert codes == listed[(shown - 1) * 20 : shown * 20], (query, number)


def test_a_page_past_the_last_is_the_last_and_a_former_name_says_which(registry_admin):
    for n in range(23):
        EnterpriseFactory(name=f"杭州西湖第{n}建设有限公司")
    renamed = EnterpriseFactory(name="宁波之江贸易有限公司")
    renamed.former_names.create(name="西湖第九十九建设有限公司")
    codes, count, shown = _page_codes("西湖第", 7)
    assert (count, shown, len(codes)) == (24, 2, 4)
    found = registry_selectors.enterprise_search_page(query="西湖第", number=2)
    former = [hit for hit in found.hits if hit.uscc == renamed.uscc]
    assert former and former[0].rank == 3 and former[0].former_match == "西湖第九十九建设有限公司"
    assert former[0].get_status_display() and former[0].pk == renamed.pk


def test_a_page_names_the_same_former_name_as_the_list_and_only_for_a_former_match():
    import datetime as dt

    twice = EnterpriseFactory(name="宁波之江贸易有限公司")
    twice.former_names.create(name="西湖甲建设有限公司", used_until=dt.date(2010, 1, 1))
    twice.former_names.create(name="西湖乙建设有限公司", used_until=dt.date(2019, 6, 30))
    twice.former_names.create(name="宁波旧名商贸有限公司", used_until=dt.date(2024, 1, 1))  # no match
    both = EnterpriseFactory(name="西湖丙建设有限公司")
    both.former_names.create(name="西湖丁建设有限公司")
    listed = {e.uscc: (e.rank, e.former_match) for e in enterprise_list(query="西湖")}
    page = registry_selectors.enterprise_search_page(query="西湖")
    hits = {hit.uscc: hit for hit in page.hits}
    assert listed[twice.uscc] == (3, "西湖乙建设有限公司")  # the one used last
    assert (hits[twice.uscc].rank, hits[twice.uscc].former_match) == listed[twice.uscc]
    # Found by its own name: no former name is read for it (the page shows none).
    assert hits[both.uscc].rank == 1 and hits[both.uscc].former_match is None


def test_what_a_page_does_not_answer_is_left_to_the_list():
    enterprise = EnterpriseFactory()
    for query in ("", "杭", enterprise.uscc, enterprise.uscc + "1"):
        assert registry_selectors.enterprise_search_page(query=query) is None, query


def test_a_code_prefix_past_the_limit_pages_the_first_codes_and_says_more_than(registry_admin):
    """The codes are counted from the unique index and only the page's rows are read: the page is
    still the codes in order, "more than" past ``SEARCH_LIMIT``, and the last page is the 201st's."""
    limit = registry_selectors.SEARCH_LIMIT
    codes = sorted(
        EnterpriseFactory(uscc=enterprise_code(n, division="330106")).uscc for n in range(limit + 5)
    )
    EnterpriseFactory(uscc=enterprise_code(1, division="330107"))
    prefix = codes[0][:8]
    first, count, shown = _page_codes(prefix, 1)
    assert (first, count, shown) == (codes[:20], limit + 1, 1)
    assert _page_codes(prefix, 10) == (codes[180:200], limit + 1, 10)
    assert _page_codes(prefix, 11) == (codes[200:201], limit + 1, 11)  # the 201st: "more than" 200
    assert _page_codes(prefix, 40) == (codes[200:201], limit + 1, 11)  # past the last: the last
    assert _page_codes(codes[0][:17], 1) == ([codes[0]], 1, 1)


def test_a_code_prefix_is_exactly_the_codes_beginning_with_it():
    inside = [EnterpriseFactory(uscc=enterprise_code(n, division="330106")) for n in range(3)]
    EnterpriseFactory(uscc=enterprise_code(50, division="330206"))
    EnterpriseFactory(uscc=enterprise_code(51, division="330107"))
    prefix = inside[0].uscc[:8]  # 9133010 6
    assert sorted(codes_found(prefix)) == sorted(e.uscc for e in inside)
    assert sorted(_page_codes(prefix, 1)[0]) == sorted(e.uscc for e in inside)
    assert len(codes_found("913301")) == 4


def test_a_known_common_pair_is_read_without_the_index_and_only_as_far_as_the_page(monkeypatch):
    for n in range(30):
        EnterpriseFactory(name=f"杭州恒{n}科技有限公司")
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), {"科技": 0.1}))
    monkeypatch.setattr(column_stats, "_common_pinyin_cache", (float("inf"), {"ke-ji": 0.1}))
    monkeypatch.setattr(column_stats, "_names_estimate", 1_000_000.0)
    assert plan_query("科技", common={"科技": 0.1}).known_share == 0.1
    assert plan_query("科技有", common={"科技": 0.1}).known_share == 0.0  # three characters: not known
    assert plan_query("有限", common={}).known_share == 0.0  # the share assumed without statistics
    assert plan_query("keji", common_pinyin={"ke-ji": 0.1}).known_share == 0.1
    for query in ("科技", "keji"):
        found = registry_selectors.enterprise_search_page(query=query, number=1)
        assert found.is_capped and found.count == registry_selectors.SEARCH_LIMIT + 1
        assert len(found.hits) == 20 and all("科技" in hit.name for hit in found.hits)
        second = registry_selectors.enterprise_search_page(query=query, number=2).hits
        assert {hit.uscc for hit in second} | {hit.uscc for hit in found.hits} == set(
            Enterprise.objects.values_list("uscc", flat=True)
        )  # (here only 30 such names: the rest of them)
    # With the statistics of a registry too small to be sure, it is counted.
    monkeypatch.setattr(column_stats, "_names_estimate", 1000.0)
    assert registry_selectors.enterprise_search_page(query="科技").count == 30


def test_pages_of_a_word_in_most_names_show_each_name_once_its_beginnings_first(monkeypatch):
    """Past the limit a page reads the names holding the query only as far as it needs: in the order of
    their ids, after the exact names and the names beginning with it, so that a later page reading more
    of them never moves a name an earlier page showed (ranked among themselves, the shorter names made
    later came before those made first, and showed them again)."""
    exact = EnterpriseFactory(name="科技有限公司")
    beginning = EnterpriseFactory(name="科技恒昌有限公司")
    inside = [EnterpriseFactory(name=f"{'城' * (46 - n)}恒{n:02d}科技有限公司") for n in range(45)]
    monkeypatch.setattr(column_stats, "_common_cache", (float("inf"), {"科技": 0.1}))
    monkeypatch.setattr(column_stats, "_names_estimate", 1_000_000.0)
    pages = [registry_selectors.enterprise_search_page(query="科技", number=n) for n in (1, 2, 3)]
    assert {page.count for page in pages} == {registry_selectors.SEARCH_LIMIT + 1}
    shown = [hit.uscc for page in pages for hit in page.hits]
    assert len(shown) == len(set(shown)) == 47
    assert shown[:2] == [exact.uscc, beginning.uscc]
    assert shown[2:] == [e.uscc for e in sorted(inside, key=lambda e: e.pk)]
    again = registry_selectors.enterprise_search_page(query="科技", number=2)
    assert [hit.uscc for hit in again.hits] == [hit.uscc for hit in pages[1].hits]


def test_a_measured_share_below_the_common_one_is_known_but_still_asked_of_the_index():
    """The statistics measure pairs down to about 0.5% of names: such a pair stays in the index query
    (only those over ``COMMON_SHARE`` are left out) and its share is known."""
    assert plan_query("星盛", common={"星盛": 0.004}).known_share == 0.004
    plan = plan_query("星盛达", common={"星盛": 0.004})
    assert "( '星盛' & '盛达' )" in plan.tsquery and plan.dropped == ()
    # In 2% or 4% of names: still asked with the others (the index intersects them for little more than
    # the rarest costs alone, and far fewer names are re-checked); in 20%, left out.
    assert "( '星盛' & '盛达' )" in plan_query("星盛达", common={"星盛": 0.02, "盛达": 0.04}).tsquery
    assert "星盛" not in plan_query("星盛达", common={"星盛": 0.2}).tsquery
    both = plan_query("gcyz", common_pinyin={"~gcy": 0.038, "~cyz": 0.015})
    assert "'~gcy' & '~cyz'" in both.pinyin_index_query
    assert "~gcy" not in plan_query("gcyz", common_pinyin={"~gcy": 0.3, "~cyz": 0.015}).pinyin_index_query
    assert plan_query("xingsheng", common_pinyin={"xing-sheng": 0.004}).known_share == 0.004
    pinyin = plan_query("xingshengda", common_pinyin={"xing-sheng": 0.004})
    assert "'xing-sheng' & 'sheng-da'" in pinyin.pinyin_index_query
    # Only common pairs: the least common one alone.
    assert plan_query("有限公司", common={"有限": 0.8, "公司": 0.79, "限公": 0.7}).tsquery == "'限公'"


def test_the_table_is_read_for_a_pair_from_a_share_that_falls_with_the_registrys_size():
    """First found in the table once the share reaches sqrt(FIRST_FOUND_BREAK_EVEN / names): reading
    21 / share names costs less than a bitmap of share × names entries from the index."""
    known_more = search_page._known_more
    assert known_more(0.01, 1_000_000) and not known_more(0.005, 1_000_000)
    assert known_more(0.005, 10_000_000) and known_more(0.0031, 10_000_000)
    assert not known_more(0.0025, 10_000_000)
    assert not known_more(0.5, 1000)  # too few names to be sure of "more than"
    assert not known_more(0.0, 10_000_000) and not known_more(0.01, 0.0)


def test_a_name_in_the_other_script_is_highlighted():
    plan = plan_query("西湖")
    assert highlight("杭州西湖建設有限公司", plan_query("建设")) == "杭州西湖<mark>建設</mark>有限公司"
    assert highlight("杭州西湖建设有限公司", plan) == "杭州<mark>西湖</mark>建设有限公司"


def test_names_beginning_with_the_query_are_read_in_the_order_of_their_index_one_part_per_variant():
    """Ordered by the index, the part's plan is the index's range whatever the planner estimates of how
    many names begin with the query, so the column needs no finer histogram than the default: a larger
    one is decompressed again by every search's planning (registry/migrations/0020)."""
    EnterpriseFactory(name="渔业发展有限公司")
    EnterpriseFactory(name="漁業發展股份有限公司")
    EnterpriseFactory(name="海洋渔业有限公司")
    plan = registry_selectors.enterprise_search_plan("渔业")
    assert len(plan.variants) == 2  # simplified and traditional

    sql, _ = enterprise_list(query="渔业").query.sql_with_params()
    assert sql.count("USING ~<~") == len(plan.variants)
    assert names_found("渔业")[2] == "海洋渔业有限公司"  # both beginnings first, whichever the variant
    page = search_page.enterprise_search_page(query="漁業")
    assert page.count == 3 and [hit.rank for hit in page.hits] == [1, 1, 2]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'registry_enterprise'::regclass AND attname = 'search_name'"
        )
        assert cursor.fetchone()[0] in (-1, None)  # the default (PostgreSQL 17 writes NULL)


def test_a_page_ranks_its_candidates_where_they_are_found_and_counts_each_once():
    """Found by its exact name, its beginning and its pairs, an enterprise is one result; and the page
    is ranked from the rows its ways of matching read, not read again by id (the second read was most of
    a common query's buffers)."""
    exact = EnterpriseFactory(name="西湖龙井")
    inside = EnterpriseFactory(name="杭州西湖龙井茶有限公司")
    inside.former_names.create(name="西湖龙井茶叶店")  # found a second time, by a former name
    with CaptureQueriesContext(connection) as queries:
        page = search_page.enterprise_search_page(query="西湖龙井")
    assert page.count == 2
    assert [(hit.uscc, hit.rank) for hit in page.hits] == [(exact.uscc, 0), (inside.uscc, 2)]
    (sql,) = [q["sql"] for q in queries.captured_queries if "result_count" in (q["sql"] or "")]
    assert " UNION (" in sql and "UNION ALL" not in sql and '"id" IN (' not in sql
