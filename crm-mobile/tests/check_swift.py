"""No Swift toolchain exists on Linux CI, so the generated Swift is checked for completeness
instead: every type and every method the generated Kotlin exposes must appear in the Swift file.
The expected list comes from the generated Kotlin, never from a hand-kept list.

Usage: python3 check_swift.py KOTLIN_FILE SWIFT_FILE
"""

import re
import sys

kotlin = open(sys.argv[1], encoding="utf-8").read()
swift = open(sys.argv[2], encoding="utf-8").read()

types = set(re.findall(r"^(?:data class|enum class|sealed class) `?(\w+)`?", kotlin, re.M))
types |= set(re.findall(r"^open class `?(\w+)`?\s*:\s*Disposable", kotlin, re.M))
types.discard("CrmException")  # Kotlin's name for the error type Swift calls CrmError
interface = re.search(r"public interface CrmInterface \{(.*?)\n\}", kotlin, re.S)
assert interface, "generated Kotlin has the Crm interface"
methods = set(re.findall(r"fun `(\w+)`\(", interface.group(1)))
constructors = {"inMemory", "open"}
functions = set(re.findall(r"^fun `(\w+)`\(", kotlin, re.M))

missing = []
for t in sorted(types):
    if not re.search(rf"\b(struct|enum|class|protocol) {t}\b", swift):
        missing.append(f"type {t}")
if not re.search(r"\benum CrmError\b", swift):
    missing.append("error type CrmError")
for f in sorted(methods | constructors | functions):
    if not re.search(rf"\bfunc `?{f}`?\(", swift):
        missing.append(f"function {f}")
checked = len(types) + len(methods | constructors | functions) + 1
if missing:
    print("missing from the Swift bindings:", ", ".join(missing))
print(f"swift completeness: {checked - len(missing)} passed, {len(missing)} failed")
sys.exit(1 if missing or len(methods) < 25 else 0)
