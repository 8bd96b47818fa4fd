"""Property tests: our own encoders feed the validators, mutations must fail.

* every generated valid identifier is accepted, and normalization is
  idempotent (validate(validate(x)) == validate(x)) for every kind;
* for arbitrary text, validate either raises InvalidIdentifier or returns a
  key that is its own normal form (no other exception escapes);
* one substituted character in a checksummed address is rejected: always for
  bech32/bech32m (BCH code: detects any error touching up to 4 characters),
  with probability 1 - 2^-32 for Base58Check; for EIP-55 our verdict must
  agree with an independent re-implementation written here, and a pure case
  flip must be rejected unless it leaves an all-lower/all-upper (unchecksummed)
  form of the same address; for the Japanese corporate number only 0<->9
  substitutions (invisible to a mod-9 check) may pass.
"""

from __future__ import annotations

import string

import phonenumbers
import pytest
from Crypto.Hash import keccak
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stdnum.iso7064 import mod_97_10
from stdnum.jp import cn as stdnum_cn

from graph.resolve import KINDS, domain, email, jp_cn, lei, normalize, phone, registration, url
from graph.resolve.errors import InvalidIdentifier
from graph.resolve.wallet import CHAINS, btc, eth, ltc, tron, validate, xrp
from graph.resolve.wallet._base58 import BITCOIN_ALPHABET, RIPPLE_ALPHABET
from graph.resolve.wallet._bech32 import CHARSET

settings.register_profile(
    "resolve", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("resolve")

hash20 = st.binary(min_size=20, max_size=20)


def substitutions(text: str, alphabet: str, start: int = 0) -> list[str]:
    """For each position >= start, ``text`` with that character replaced by another."""
    out = []
    for i in range(start, len(text)):
        # Deterministic "different" character: the next one in the alphabet.
        pos = alphabet.find(text[i])
        repl = alphabet[(pos + 1) % len(alphabet)] if pos >= 0 else alphabet[0]
        out.append(text[:i] + repl + text[i + 1 :])
    return out


# --- Bitcoin / Litecoin ------------------------------------------------------

UTXO_NETWORKS = [
    ("BTC", btc.MAINNET),
    ("BTC-TESTNET", btc.TESTNET),
    ("LTC", ltc.MAINNET),
    ("LTC-TESTNET", ltc.TESTNET),
]


@st.composite
def segwit_programs(draw: st.DrawFn) -> tuple[int, bytes]:
    version = draw(st.integers(0, 16))
    size = draw(st.sampled_from([20, 32])) if version == 0 else draw(st.integers(2, 40))
    return version, draw(st.binary(min_size=size, max_size=size))


@pytest.mark.parametrize(("chain", "network"), UTXO_NETWORKS, ids=[c for c, _ in UTXO_NETWORKS])
@given(data=st.data())
def test_generated_base58_addresses(chain: str, network: object, data: st.DataObject) -> None:
    version = data.draw(st.sampled_from(sorted(network.versions)))  # type: ignore[attr-defined]
    address = network.encode_base58(version, data.draw(hash20))  # type: ignore[attr-defined]
    assert validate(address, chain=chain) == address
    assert validate(validate(address, chain=chain), chain=chain) == address
    for mutated in substitutions(address, BITCOIN_ALPHABET):
        with pytest.raises(InvalidIdentifier):
            validate(mutated, chain=chain)


@pytest.mark.parametrize(("chain", "network"), UTXO_NETWORKS, ids=[c for c, _ in UTXO_NETWORKS])
@given(program=segwit_programs())
def test_generated_segwit_addresses(chain: str, network: object, program: tuple[int, bytes]) -> None:
    address = network.encode_segwit(*program)  # type: ignore[attr-defined]
    assert validate(address, chain=chain) == address
    assert validate(address.upper(), chain=chain) == address
    # Any single substitution, anywhere (hrp, separator, data, checksum).
    for mutated in substitutions(address, CHARSET):
        with pytest.raises(InvalidIdentifier):
            validate(mutated, chain=chain)
    # Any single case flip makes the string mixed-case: BIP-173 rejects it.
    for i, char in enumerate(address):
        if char.isalpha():
            with pytest.raises(InvalidIdentifier):
                validate(address[:i] + char.upper() + address[i + 1 :], chain=chain)


@given(program=segwit_programs())
def test_segwit_with_the_wrong_checksum_variant_is_rejected(program: tuple[int, bytes]) -> None:
    from graph.resolve.wallet import _bech32

    version, witness = program
    wrong = _bech32.Encoding.BECH32M if version == 0 else _bech32.Encoding.BECH32
    text = _bech32.bech32_encode("bc", [version] + (_bech32.convertbits(witness, 8, 5, True) or []), wrong)
    assert not btc.is_valid(text)


# --- EVM -------------------------------------------------------------------------


def reference_eip55(body: str) -> str:
    """EIP-55 as written in the EIP, independent of graph.resolve."""
    lower = body.lower()
    digest = keccak.new(digest_bits=256, data=lower.encode()).hexdigest()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(lower, digest))


def reference_valid(address: str) -> bool:
    body = address[2:]
    if not address.startswith("0x") or len(body) != 40 or any(c not in string.hexdigits for c in body):
        return False
    return body in (body.lower(), body.upper()) or reference_eip55(body) == address


@given(raw=hash20)
def test_generated_evm_addresses(raw: bytes) -> None:
    checksummed = reference_eip55(raw.hex())
    key = "0x" + raw.hex()
    for chain in sorted(code for code, spec in CHAINS.items() if spec.rule == "eth"):
        assert validate(checksummed, chain=chain) == key
    assert eth.validate(key) == key
    assert eth.validate("0x" + raw.hex().upper()) == key
    assert eth.format(key) == checksummed
    hexdigits = "0123456789abcdefABCDEF"
    for mutated in substitutions(checksummed, hexdigits, start=2):
        assert eth.is_valid(mutated) == reference_valid(mutated), mutated
    for i in range(2, 42):
        char = checksummed[i]
        if not char.isalpha():
            continue
        flipped = checksummed[:i] + char.swapcase() + checksummed[i + 1 :]
        body = flipped[2:]
        if body in (body.lower(), body.upper()):
            assert eth.validate(flipped) == key  # unchecksummed spelling, same address
        else:
            with pytest.raises(InvalidIdentifier):
                eth.validate(flipped)


# --- TRON --------------------------------------------------------------------------


@given(raw=hash20)
def test_generated_tron_addresses(raw: bytes) -> None:
    hex_form = "41" + raw.hex()
    address = tron.validate(hex_form)
    assert address.startswith("T") and len(address) == 34
    assert tron.validate(address) == address
    assert tron.to_hex(address) == hex_form
    for mutated in substitutions(address, BITCOIN_ALPHABET):
        with pytest.raises(InvalidIdentifier):
            tron.validate(mutated)


# --- XRP ---------------------------------------------------------------------------


@given(raw=hash20, tag=st.none() | st.integers(0, 2**32 - 1), test=st.booleans())
def test_generated_xrp_addresses(raw: bytes, tag: int | None, test: bool) -> None:
    classic = xrp.encode_classic(raw)
    assert classic.startswith("r")
    xaddress = xrp.encode_xaddress(classic, tag, test=test)
    assert xrp.decode_xaddress(xaddress) == (classic, tag, test)
    chain = "XRP-TESTNET" if test else "XRP"
    assert validate(xaddress, chain=chain) == classic
    assert validate(classic, chain=chain) == classic
    assert xrp.xrp_tag(xaddress, testnet=test) == tag
    for text in (classic, xaddress):
        for mutated in substitutions(text, RIPPLE_ALPHABET):
            with pytest.raises(InvalidIdentifier):
                validate(mutated, chain=chain)


# --- LEI, Japanese corporate number, registration ---------------------------------

lei_bases = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=18, max_size=18)


@given(base=lei_bases, data=st.data())
def test_generated_leis(base: str, data: st.DataObject) -> None:
    number = base + mod_97_10.calc_check_digits(base)
    assert lei.validate(number) == number
    assert lei.validate(" " + number.lower() + " ") == number
    # MOD 97-10 detects every substitution within a class (digit->digit,
    # letter->letter): the change is d * 10^k with 0 < |d| < 97, 97 prime.
    i = data.draw(st.integers(0, 19))
    alphabet = string.digits if number[i].isdigit() else string.ascii_uppercase
    repl = data.draw(st.sampled_from([c for c in alphabet if c != number[i]]))
    assert not lei.is_valid(number[:i] + repl + number[i + 1 :])


@given(base=st.text(alphabet=string.digits, min_size=12, max_size=12))
def test_generated_jp_corporate_numbers(base: str) -> None:
    number = stdnum_cn.calc_check_digit(base) + base
    assert jp_cn.validate(number) == number
    assert jp_cn.validate(jp_cn.format(number)) == number
    for i in range(13):
        for repl in string.digits:
            if repl == number[i]:
                continue
            mutated = number[:i] + repl + number[i + 1 :]
            # The weights are 1 and 2 mod 9: only a 0<->9 swap in the base
            # number goes unseen (the check digit itself is 1..9, never 0).
            undetectable = i > 0 and {number[i], repl} == {"0", "9"}
            assert jp_cn.is_valid(mutated) == undetectable, mutated


@given(
    country=st.sampled_from(["GB", "US", "HK", "KY", "VG"]),
    number=st.text(alphabet=string.ascii_letters + string.digits + " -./", min_size=1, max_size=30),
)
def test_registration_fallback_idempotent(country: str, number: str) -> None:
    try:
        key = registration.validate(f"{country.lower()}:{number}")
    except InvalidIdentifier:
        assume(False)
        return
    assert key == key.upper() and key.startswith(country + ":")
    assert registration.validate(key) == key


# --- domain, URL, e-mail ------------------------------------------------------------

LABEL_CHARS = string.ascii_letters + string.digits + "あいうえおカタカナ日本語漢字äöüßé"
labels = st.text(alphabet=LABEL_CHARS + "-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("-") and not s.endswith("-") and s[2:4] != "--"
)
tlds = st.text(alphabet=string.ascii_letters + "日本テスト", min_size=2, max_size=6)
domains = st.builds(lambda parts, tld: ".".join(parts + [tld]), st.lists(labels, min_size=1, max_size=3), tlds)


@given(name=domains, trailing_dot=st.booleans())
def test_generated_domains(name: str, trailing_dot: bool) -> None:
    key = domain.validate(name + ("." if trailing_dot else ""))
    assert key == key.lower() and key.isascii()
    assert domain.validate(key) == key
    assert domain.validate(domain.format(key)) == key  # U-label round trip
    assert domain.validate(name.upper()) == key or "ß" in name  # case folding (ß upper-cases to SS)


@given(name=domains, path=st.text(max_size=20).filter(lambda p: not any(c in p for c in "?#\\") and p.isprintable()))
def test_generated_urls(name: str, path: str) -> None:
    key = url.validate(f"https://{name}/{path}")
    assert key.startswith(f"https://{domain.validate(name)}/")
    assert url.validate(key) == key


atext = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
locals_ = st.lists(st.text(alphabet=atext, min_size=1, max_size=10), min_size=1, max_size=3).map(".".join)


@given(local=locals_, name=domains)
def test_generated_emails(local: str, name: str) -> None:
    assume(len(local) <= 64)
    key = email.validate(f"{local}@{name}")
    assert key == key.lower()
    assert email.validate(key) == key


# --- phone ----------------------------------------------------------------------------

NUMBER_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
]


@given(region=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)), kind=st.sampled_from(NUMBER_TYPES))
def test_generated_phone_numbers(region: str, kind: int) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    assume(example is not None)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    assert phone.validate(e164) == e164
    assert phone.validate(phone.format(e164)) == e164
    assert phone.validate(national, region=region) == e164


# --- every kind: arbitrary text never crashes, accepted keys are fixed points -----------

FUZZ_OPTIONS: list[tuple[str, dict[str, str]]] = [
    (kind, {}) for kind in KINDS if kind != "wallet"
] + [("wallet", {"chain": code}) for code in sorted(CHAINS)] + [("wallet", {"chain": "SOL"})]

fuzz_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=60),
    st.text(alphabet=BITCOIN_ALPHABET + CHARSET + "x0X:@./-+ ", max_size=70),
)


@pytest.mark.parametrize(("kind", "options"), FUZZ_OPTIONS, ids=[f"{k}-{o.get('chain', '')}" for k, o in FUZZ_OPTIONS])
@given(text=fuzz_text)
@settings(max_examples=40)
def test_arbitrary_text_is_rejected_cleanly_or_idempotent(kind: str, options: dict[str, str], text: str) -> None:
    try:
        key = normalize(kind, text, **options)
    except InvalidIdentifier:
        return
    assert normalize(kind, key, **options) == key
