"""Properties of the normalisers: every supported way of writing a number reads back to
that number, and text with two readings is never read silently."""
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from app.billing.normalize import (
    parse_amount_cents,
    parse_checkbox,
    parse_date,
    parse_payment_terms_days,
    parse_percent,
    parse_rate_cents,
    parse_term_months,
    parse_text,
    parse_volume,
)

ALL_NORMALISERS = [
    parse_amount_cents, parse_checkbox, parse_date, parse_payment_terms_days, parse_percent,
    parse_rate_cents, parse_term_months, parse_text, parse_volume,
]
SCALE_WORDS = {
    10**3: ["k", "K", " thousand"],
    10**6: ["M", "m", " million", "mn"],
    10**9: ["B", "b", " billion", "bn"],
}


def grouped(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@st.composite
def written_integers(draw) -> tuple[str, int]:
    """An integer and one way a person might write it."""
    style = draw(st.sampled_from(["plain", "comma", "space", "nbsp", "scaled", "decimal"]))
    if style in ("scaled", "decimal"):
        scale = draw(st.sampled_from(sorted(SCALE_WORDS)))
        word = draw(st.sampled_from(SCALE_WORDS[scale]))
        if style == "scaled":
            mantissa = draw(st.integers(0, 999_999))
            return f"{grouped(mantissa, ',')}{word}", mantissa * scale
        places = draw(st.sampled_from([1, 2]))  # three places would read two ways
        digits = draw(st.integers(0, 99_999))
        whole, frac = divmod(digits, 10**places)
        return f"{whole}.{frac:0{places}d}{word}", digits * scale // 10**places
    n = draw(st.integers(0, 10**13))
    sep = {"plain": "", "comma": ",", "space": " ", "nbsp": "\u00a0"}[style]
    return (grouped(n, sep) if sep else str(n)), n


@given(written_integers())
@example(("60 million", 60_000_000))
@example(("1.5B", 1_500_000_000))
def test_a_written_integer_reads_back_as_a_volume(case):
    text, n = case

    parsed = parse_volume(text)

    assert (parsed.value, parsed.warning) == (n, None)


@given(written_integers(), st.sampled_from(["${}", "$ {}", "USD {}", "{} USD", "US${}"]))
def test_a_written_integer_reads_back_as_dollars(case, template):
    text, dollars = case

    parsed = parse_amount_cents(template.format(text))

    assert (parsed.value, parsed.warning) == (dollars * 100, None)


@given(st.integers(0, 10**12))
def test_dollars_and_cents_read_back_as_cents(cents):
    text = f"${cents // 100:,}.{cents % 100:02d}"

    assert parse_amount_cents(text).value == cents


@given(
    st.integers(0, 999_999),
    st.sampled_from([(1, "event"), (1000, "1,000 events"), (1000, "1k events"),
                     (1000, "thousand"), (10**6, "million events"), (10**6, "1M")]),
)
def test_a_dollar_rate_reads_back_as_cents_per_unit(micro_dollars, unit):
    per, unit_text = unit
    text = f"${Decimal(micro_dollars) / 10**6:f} per {unit_text}"

    parsed = parse_rate_cents(text)

    assert parsed.warning is None
    assert parsed.value == Decimal(micro_dollars) / 10**4 / per


@st.composite
def european_numbers(draw) -> str:
    """Dots before a comma: "1.000,50" is 1000.5 in Europe and unreadable in the US."""
    groups = draw(st.lists(st.integers(0, 999), min_size=1, max_size=3))
    lead = draw(st.integers(1, 999))
    decimals = draw(st.text("0123456789", min_size=1, max_size=3))
    return f"{lead}." + ".".join(f"{g:03d}" for g in groups) + f",{decimals}"


@given(european_numbers(), st.sampled_from(["{}", "${}", "€{}", "{} million", "{}k"]))
def test_european_separators_are_never_read_as_an_amount_or_volume(number, template):
    text = template.format(number)

    for normalise in (parse_amount_cents, parse_volume):
        parsed = normalise(text)
        assert parsed.value is None
        assert text in parsed.warning


@given(european_numbers())
def test_european_separators_are_never_read_as_a_rate_percent_or_term(number):
    for normalise, text in [
        (parse_rate_cents, f"${number} per event"),
        (parse_rate_cents, f"$0.02 per {number} events"),
        (parse_percent, f"{number}%"),
        (parse_term_months, f"{number} months"),
    ]:
        parsed = normalise(text)
        assert parsed.value is None
        assert text in parsed.warning


@given(st.integers(1, 999), st.integers(0, 999), st.sampled_from(["{}", "${}", "{} million"]))
def test_a_single_dot_before_three_digits_is_never_read(whole, group, template):
    text = template.format(f"{whole}.{group:03d}")

    assert parse_volume(text).value is None
    assert parse_amount_cents(text).value is None


_NUMBERISH = st.text(alphabet="0123456789.,$ kmbKMB", max_size=8)


@given(_NUMBERISH, _NUMBERISH, _NUMBERISH)
def test_any_number_with_a_dot_before_a_comma_is_refused(head, middle, tail):
    text = f"{head}.{middle},{tail}"

    for normalise in (parse_amount_cents, parse_volume, parse_rate_cents):
        assert normalise(text).value is None


@given(
    st.integers(1, 12), st.integers(1, 12), st.integers(1900, 2099),
    st.sampled_from(["/", ".", "-"]), st.booleans(),
)
def test_a_numeric_date_with_both_parts_up_to_12_is_never_read(a, b, year, sep, pad):
    fmt = "{:02d}" if pad else "{}"
    text = sep.join([fmt.format(a), fmt.format(b), str(year)])

    parsed = parse_date(text)

    assert parsed.value is None
    assert text in parsed.warning


@given(st.dates())
def test_iso_dates_read_back(day):
    assert parse_date(day.isoformat()).value == day
    assert parse_date(f"{day.isoformat()}T00:00:00").value == day


@given(st.one_of(st.text(max_size=30), st.none(), st.booleans(), st.integers()))
def test_every_normaliser_either_reads_or_refuses_with_a_reason(raw):
    for normalise in ALL_NORMALISERS:
        parsed = normalise(raw)
        assert (parsed.value is None) is not (parsed.warning is None)
