#!/usr/bin/env python3
"""Counts the outcomes in TRX files (dotnet test --logger trx) and lists what failed or was skipped, with why.

Prints `passed failed skipped` on the last line for the caller; exits 0. Standard library only."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for result in root.iterfind(".//t:UnitTestResult", NS):
        outcome = result.get("outcome")
        name = result.get("testName")
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
        if outcome == "Passed":
            passed += 1
        elif outcome in ("NotExecuted", "Inconclusive", "Skipped"):
            skipped += 1
            print(f"SKIPPED  {name}: {message or 'no reason given'}", file=sys.stderr)
        else:
            failed += 1
            print(f"FAILED   {name}: {message.splitlines()[0] if message else outcome}", file=sys.stderr)
print(passed, failed, skipped)
