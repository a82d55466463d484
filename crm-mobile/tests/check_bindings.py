"""Checks that generated bindings expose everything the library exports, and exactly the core's types.

No Swift toolchain exists on Linux CI, so the generated Swift cannot be compiled here; instead it is
checked for completeness. The expected list comes from the library's own uniffi metadata (the
`initial` pass of `uniffi-bindgen pipeline --library`), never from a hand-kept list: every exported
function, constructor and method, every record and its fields, every enum and its variants (with
their fields), every error variant and every custom type must appear in the generated file of its
crate (crm_core: the records; crm_mobile: the `Crm` object and the pure functions), spelled as that
language's bindings spell it (Kotlin renames from uniffi.toml applied). The generated Kotlin is
checked the same way (it is also compiled and run). Last, the records and enums crm_core exports
must be exactly the types of tests/records.json: none missing, none the operation table does not use.
Async methods must be `async` in Swift and `suspend` in Kotlin (and blocking ones neither), and
AsyncCrm must have every operation of Crm, with the same arguments and defaults, each async, and
RemoteCrm every one too, each blocking, and AsyncRemoteCrm, each async; AsyncRules every pure rule,
each async. The Kotlin has no unsigned type left (crm-mobile/bindgen/kotlin.rs) and a default for
every optional parameter and record field. crm_mobile defines no
record or enum of its own but the host transport's (HttpResponse, TransportError).

Usage: python3 check_bindings.py METADATA_DUMP GENERATED_DIR UNIFFI_TOML RECORDS_JSON
"""

import json
import tomllib
import re
import sys

TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(-?\d+(?:\.\d+)?)|([{}()\[\]:,]))')


def tokenize(text):
    pos, out = 0, []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip():
                raise ValueError(f"cannot read the metadata at {text[pos:pos + 40]!r}")
            break
        pos = m.end()
        s, ident, num, punct = m.groups()
        out.append(("str", s[1:-1]) if s else ("id", ident) if ident else ("num", num) if num else ("p", punct))
    return out


class Parser:
    """Reads Rust's pretty `Debug` output into dicts (structs), lists and strings."""

    def __init__(self, tokens):
        self.t, self.i = tokens, 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else ("eof", "")

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise ValueError(f"expected {value!r}, found {tok!r}")
        self.i += 1
        return tok

    def items(self, close, keyed):
        out = {} if keyed else []
        while self.peek()[1] != close:
            if keyed:
                key = self.take()[1]
                self.take(":")
                out[key] = self.value()
            else:
                out.append(self.value())
            if self.peek()[1] == ",":
                self.take()
        self.take(close)
        return out

    def value(self):
        kind, v = self.take()
        if kind == "p" and v == "[":
            return self.items("]", False)
        if kind == "p" and v == "{":
            return self.items("}", True)
        if kind == "id" and self.peek()[1] == "{":
            self.take()
            d = self.items("}", True)
            d["__type__"] = v
            return d
        if kind == "id" and self.peek()[1] == "(":
            self.take()
            return {"__type__": v, "items": self.items(")", False)}
        return v


def lower_camel(name):
    head, *rest = name.split("_")
    if not rest and name[:1].isupper():
        return name[0].lower() + name[1:]
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def upper_snake(name):
    # As uniffi (heck) writes it: a word starts at a capital after a small letter or digit, and
    # at a capital followed by a small letter after another capital (`UShaped` -> `U_SHAPED`).
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).upper()


def q(name):
    """A name, possibly quoted with backticks (keywords in Swift and Kotlin)."""
    return rf"`?{re.escape(name)}`?"


def body(text, header):
    """The text of the declaration that `header` starts, up to its closing brace at column 0."""
    m = re.search(header, text)
    if not m:
        return None
    end = re.compile(r"\n\}").search(text, m.end())
    return text[m.start(): end.end() if end else len(text)]


def check(lang, text, ns, renames):
    found, missing = 0, []

    def field_name(where, name):
        return renames.get(f"{where}.{name}", name) if lang == "kotlin" else name

    def need(what, pattern, where=None):
        nonlocal found
        if re.search(pattern, text if where is None else where):
            found += 1
        else:
            missing.append(what)

    swift = lang == "swift"
    for f in ns["functions"]:
        need(f"function {f['name']}", rf"(public\s+func|\bfun)\s+{q(lower_camel(f['name']))}\(")
    for td in ns["type_definitions"]:
        kind, t = td["__type__"], td["items"][0]
        name = t["name"]
        if kind == "Record":
            header = rf"public\s+struct\s+{name}\b" if swift else rf"data\s+class\s+{name}\s*\("
            need(f"record {name}", header)
            decl = body(text, header) or ""
            for fld in t["fields"]:
                shown = lower_camel(field_name(name, fld["name"]))
                need(f"field {name}.{fld['name']}", rf"\b(var|let|val)\s+{q(shown)}\s*:", decl)
        elif kind == "Enum":
            is_error = isinstance(t["shape"], dict) and t["shape"].get("__type__") == "Error"
            has_fields = any(v["fields"] for v in t["variants"])
            shown = name if swift or not is_error else name.replace("Error", "Exception")
            if swift:
                header = rf"public\s+(?:indirect\s+)?enum\s+{shown}\b"
            elif is_error or has_fields:
                header = rf"sealed\s+class\s+{shown}\b"
            else:
                header = rf"enum\s+class\s+{shown}\b"
            need(f"{'error' if is_error else 'enum'} {name}", header)
            decl = body(text, header) or ""
            for v in t["variants"]:
                vname = v["name"]
                if swift:
                    case = vname if is_error else lower_camel(vname)
                    pattern = rf"\bcase\s+{q(case)}\b"
                elif is_error or has_fields:
                    pattern = rf"\b(class|object)\s+{q(vname)}\b"
                else:
                    pattern = rf"\b{q(upper_snake(vname))}\b"
                need(f"variant {name}.{vname}", pattern, decl)
                for fld in v["fields"]:
                    label = lower_camel(field_name(f"{name}.{vname}", fld["name"])) if not re.fullmatch(r"v?\d*", fld["name"]) else None
                    if label:
                        need(f"field {name}.{vname}.{fld['name']}", rf"\b{q(label)}\s*:", decl)
            for meth in t["methods"]:
                pattern = rf"func\s+{q(lower_camel(meth['name']))}\(" if swift else rf"\bfun\s+{q(lower_camel(meth['name']))}\("
                need(f"method {name}.{meth['name']}", pattern, decl)
        elif kind == "Custom":
            need(f"custom type {name}", rf"public\s+typealias\s+{name}\s*=")
        elif kind == "Interface" and isinstance(t.get("imp"), dict) and t["imp"].get("__type__") == "Trait":
            # A trait the host implements (`with_foreign`): a Swift protocol, a Kotlin interface.
            header = rf"public\s+protocol\s+{name}\b" if swift else rf"public\s+interface\s+{name}\b"
            need(f"interface {name}", header)
            decl = body(text, header) or ""
            for meth in t["methods"]:
                pattern = rf"\bfunc\s+{q(lower_camel(meth['name']))}\(" if swift else rf"\bfun\s+{q(lower_camel(meth['name']))}\("
                need(f"method {name}.{meth['name']}", pattern, decl)
        elif kind == "Interface":
            header = rf"open\s+class\s+{name}\b"
            need(f"object {name}", header)
            # The class, up to its FFI converter (generated unformatted, so braces are no guide).
            start = re.search(header, text)
            end = re.search(rf"public\s+(struct|object)\s+FfiConverterType{name}\b", text)
            decl = text[start.start():end.start()] if start and end and end.start() > start.start() else ""
            for c in t["constructors"]:
                if c["name"] == "new":  # the primary constructor
                    first = rf"{q(lower_camel(c['inputs'][0]['name']))}\s*:" if c["inputs"] else r"\)"
                    pattern = rf"public\s+convenience\s+init\({first}" if swift else rf"\bconstructor\({first}"
                else:
                    pattern = (rf"public\s+(static\s+func\s+{q(lower_camel(c['name']))}|convenience\s+init)\("
                               if swift else rf"\bfun\s+{q(lower_camel(c['name']))}\(")
                need(f"constructor {name}.{c['name']}", pattern, decl)
            for meth in t["methods"]:
                # Async exports: Swift `async`, Kotlin `suspend`; and the blocking ones stay plain.
                is_async = meth.get("is_async") == "true"
                mname = q(lower_camel(meth["name"]))
                if swift:
                    pattern = rf"open\s+func\s+{mname}\([^{{]*?\)" + (r"\s*async\b" if is_async else r"(?!\s*async)")
                else:
                    pattern = r"override\s+" + (r"suspend\s+" if is_async else "") + rf"fun\s+{mname}\("
                need(f"{'async ' if is_async else ''}method {name}.{meth['name']}", pattern, decl)
        else:
            missing.append(f"unknown kind of definition {kind} {name}: teach check_bindings.py")
    return found, missing


def twin(ns, name, is_async, extra):
    """`name` has every operation of Crm (not its clock) with the same arguments and defaults, each
    async or blocking as `is_async` says; `extra` are its own methods."""
    objects = {td["items"][0]["name"]: td["items"][0] for td in ns["type_definitions"] if td["__type__"] == "Interface"}
    if name not in objects:
        return [f"no {name} object"]
    blocking = {m["name"]: m for m in objects["Crm"]["methods"]}
    twin = {m["name"]: m for m in objects[name]["methods"]}
    wanted = set(blocking) - {"set_now", "now"}
    want = "true" if is_async else "false"
    problems = [f"{name} lacks {n}" for n in sorted(wanted - set(twin))]
    problems += [f"{name}.{n} is not one of Crm's operations" for n in sorted(set(twin) - wanted - extra)]
    problems += [f"{name}.{n} is_async is not {want}" for n in sorted(wanted & set(twin)) if twin[n]["is_async"] != want]
    problems += [f"Crm.{n} is async" for n, m in blocking.items() if m["is_async"] != "false"]
    for n in sorted(wanted & set(twin)):
        args = lambda m: [(a["name"], str(a.get("default"))) for a in m["inputs"]]
        if args(twin[n]) != args(blocking[n]):
            problems.append(f"{name}.{n} takes {args(twin[n])}, Crm.{n} {args(blocking[n])}")
    print(f"{name}: {len(wanted & set(twin))} {'async' if is_async else 'blocking'} twins of Crm's {len(wanted)} operations")
    return problems


# The templates among the top-level functions: records to adjust, no rule to run off the thread.
TEMPLATES = {"default_churn_rule", "standard_pipeline"}


def rules_twin(ns):
    """AsyncRules has every pure rule (the top-level functions but the templates) as an async
    method with the same arguments and defaults, and nothing else."""
    objects = {td["items"][0]["name"]: td["items"][0] for td in ns["type_definitions"] if td["__type__"] == "Interface"}
    if "AsyncRules" not in objects:
        return ["no AsyncRules object"]
    rules = {f["name"]: f for f in ns["functions"] if f["name"] not in TEMPLATES}
    twin = {m["name"]: m for m in objects["AsyncRules"]["methods"]}
    args = lambda m: [(a["name"], str(a.get("default"))) for a in m["inputs"]]
    problems = [f"AsyncRules lacks {n}" for n in sorted(set(rules) - set(twin))]
    problems += [f"AsyncRules.{n} is no rule" for n in sorted(set(twin) - set(rules))]
    problems += [f"AsyncRules.{n} is not async" for n in sorted(set(twin)) if twin[n]["is_async"] != "true"]
    problems += [f"{n} is async" for n, f in rules.items() if f["is_async"] != "false"]
    problems += [f"AsyncRules.{n} takes {args(twin[n])}, {n} {args(rules[n])}"
                 for n in sorted(set(rules) & set(twin)) if args(twin[n]) != args(rules[n])]
    print(f"AsyncRules: {len(set(rules) & set(twin))} async twins of {len(rules)} rules")
    return problems


UNSIGNED = re.compile(r"\bkotlin\.U(?:Long|Int|Short|Byte)\b|FfiConverter<U(?:Long|Int|Short|Byte),")
OPTIONAL_PARAM = re.compile(r"`(\w+)`: [\w.<>, ]+\?(?: = ([^,)]+))?[,)]")


def kotlin_as_java_needs(path):
    """Signed numbers only (Java cannot call a function taking Kotlin's unsigned inline classes),
    and a default for every optional parameter of the interfaces' functions and every optional
    field of the records."""
    text = open(path, encoding="utf-8").read()
    problems = [f"{path}: unsigned type left: {m.group(0)}" for m in UNSIGNED.finditer(text)][:5]
    for line in text.splitlines():
        declared = line.lstrip()
        if declared.startswith(("fun `", "suspend fun `")):
            problems += [f"{path}: {declared.split('(')[0]}: optional `{m.group(1)}` has no default"
                         for m in OPTIONAL_PARAM.finditer(line) if m.group(2) is None]
    for record in re.finditer(r"\ndata class (\w+) \((.*?)\n\) ", text, re.S):
        for field in re.finditer(r"va[rl] `(\w+)`: ([^\n]*)", record.group(2)):
            declared = field.group(2).strip()
            if declared.split("=")[0].strip().endswith("?") and "=" not in declared:
                problems.append(f"{path}: {record.group(1)}.{field.group(1)} is optional with no default")
    return problems


# crm_mobile's own types: what the host's HttpTransport exchanges with RemoteCrm.
TRANSPORT_TYPES = {"HttpResponse", "TransportError"}


def exported_types(ns):
    """The records and the enums (errors included) of a namespace, by name."""
    kinds = {}
    for td in ns["type_definitions"]:
        if td["__type__"] in ("Record", "Enum"):
            kinds[td["items"][0]["name"]] = td["__type__"]
    return kinds


def main():
    metadata, generated, uniffi_toml, records_json = sys.argv[1:5]
    text = open(metadata, encoding="utf-8").read()
    root = Parser(tokenize(text[text.index("Root {"):])).value()
    namespaces = root["namespaces"]
    config = tomllib.load(open(uniffi_toml, "rb"))["crates"]
    failed = False
    for crate, ns in namespaces.items():
        kotlin = config[crate]["bindings"]["kotlin"]
        files = {
            "swift": f"{generated}/{config[crate]['bindings']['swift']['module_name']}.swift",
            "kotlin": f"{generated}/{kotlin['package_name'].replace('.', '/')}/{crate}.kt",
        }
        for problem in kotlin_as_java_needs(files["kotlin"]):
            print(problem)
            failed = True
        for lang, path in files.items():
            renames = kotlin.get("rename", {})
            found, missing = check(lang, open(path, encoding="utf-8").read(), ns, renames)
            for m in missing:
                print(f"missing from the {lang} bindings of {crate}: {m}")
            print(f"{lang} completeness of {crate}: {found} passed, {len(missing)} failed")
            failed |= bool(missing) or found < 50
    types = json.load(open(records_json, encoding="utf-8"))["types"]
    core = exported_types(namespaces["crm_core"])
    for kind, wanted in (("Record", {n for n, d in types.items() if "record" in d}),
                         ("Enum", {n for n, d in types.items() if "record" not in d})):
        got = {n for n, k in core.items() if k == kind}
        for n in sorted(wanted - got):
            print(f"records.json type {n} is not exported")
        for n in sorted(got - wanted):
            print(f"exported {kind.lower()} {n} is not in records.json (the operation table does not reach it)")
        failed |= got != wanted
    print(f"exported types: {len(core)} of crm_core, {len(types)} in records.json")
    mobile = namespaces["crm_mobile"]
    for problem in (twin(mobile, "AsyncCrm", True, {"blocking"}) + twin(mobile, "RemoteCrm", False, {"whoami"})
                    + twin(mobile, "AsyncRemoteCrm", True, {"blocking", "whoami"}) + rules_twin(mobile)):
        print(problem)
        failed = True
    if any(set(exported_types(ns)) - TRANSPORT_TYPES for crate, ns in namespaces.items() if crate != "crm_core"):
        print("crm_mobile defines records or enums of its own")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
