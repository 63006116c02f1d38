"""Imports retake's .apkg exports with Anki's own engine (the `anki` package from PyPI).

Usage: check_import.py FIRST.apkg SECOND.apkg EXPECTED_NOTES EXPECTED_DECKS
Imports FIRST into a new collection and checks the note, card and deck counts, then imports SECOND
(a fresh export of the same bank) and checks that nothing was duplicated. Prints one JSON line.
"""
import json
import sys
import tempfile
import os

from anki.collection import Collection, ImportAnkiPackageRequest, ImportAnkiPackageOptions


def main() -> int:
    first, second, notes, decks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(os.path.join(tmp, "collection.anki2"))
        options = ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=False)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=first, options=options))
        after_first = {
            "notes": col.note_count(),
            "cards": col.card_count(),
            "decks": len([d for d in col.decks.all_names_and_ids() if d.name != "Default" and "::" in d.name]),
        }
        col.import_anki_package(ImportAnkiPackageRequest(package_path=second, options=options))
        after_second = {"notes": col.note_count(), "cards": col.card_count()}
        col.close()
    ok = (
        after_first["notes"] == notes
        and after_first["cards"] == notes
        and after_first["decks"] == decks
        and after_second == {"notes": notes, "cards": notes}
    )
    print(json.dumps({"ok": ok, "first": after_first, "second": after_second, "expected_notes": notes, "expected_decks": decks}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
