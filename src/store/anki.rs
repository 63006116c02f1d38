//! Writing an Anki collection (`collection.anki2`, the long-supported schema 11) for `.apkg` export.

use std::path::Path;

use rusqlite::{Connection, params};
use serde_json::json;

use super::StoreError;
use crate::interchange::AnkiNote;

/// A stable positive id (< 2^53) for a name, so re-exports keep deck and note type ids.
fn stable_id(name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    i64::try_from(h >> 11).unwrap_or(1) + 1_000_000_000
}

const SCHEMA: &str = "
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null, scm integer not null,
  ver integer not null, dty integer not null, usn integer not null, ls integer not null, conf text not null,
  models text not null, decks text not null, dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null, mod integer not null,
  usn integer not null, tags text not null, flds text not null, sfld integer not null, csum integer not null,
  flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null, ord integer not null,
  mod integer not null, usn integer not null, type integer not null, queue integer not null, due integer not null,
  ivl integer not null, factor integer not null, reps integer not null, lapses integer not null, left integer not null,
  odue integer not null, odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null, ease integer not null,
  ivl integer not null, lastIvl integer not null, factor integer not null, time integer not null, type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_notes_usn on notes (usn);
CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_revlog_usn on revlog (usn);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
";

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Writes a new collection at `path` holding `notes` (one card each) in their decks.
pub fn write_collection(path: &Path, notes: &[AnkiNote], now_ms: i64) -> Result<(), StoreError> {
    let label = path.display().to_string();
    let sql = |source| super::classify(&label, source);
    let conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: label.clone(),
        source,
    })?;
    conn.execute_batch(SCHEMA).map_err(sql)?;
    let secs = now_ms / 1000;
    let model_id = stable_id("retake Basic note type");
    let mut decks = serde_json::Map::new();
    let deck_json = |id: i64, name: &str| {
        json!({
            "id": id, "mod": secs, "name": name, "usn": -1, "lrnToday": [0, 0], "revToday": [0, 0], "newToday": [0, 0],
            "timeToday": [0, 0], "collapsed": false, "browserCollapsed": false, "desc": "", "dyn": 0, "conf": 1,
            "extendNew": 0, "extendRev": 0
        })
    };
    decks.insert("1".into(), deck_json(1, "Default"));
    for n in notes {
        let id = stable_id(&n.deck);
        decks
            .entry(id.to_string())
            .or_insert_with(|| deck_json(id, &n.deck));
    }
    let models = json!({
        model_id.to_string(): {
            "id": model_id, "name": "retake Basic", "type": 0, "mod": secs, "usn": -1, "sortf": 0, "did": 1,
            "tmpls": [{ "name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}",
                        "bqfmt": "", "bafmt": "", "did": null, "bfont": "", "bsize": 0 }],
            "flds": [{ "name": "Front", "ord": 0, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": [] },
                     { "name": "Back", "ord": 1, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": [] }],
            "css": ".card { font-family: arial; font-size: 18px; text-align: left; color: black; background-color: white; }",
            "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
            "latexPost": "\\end{document}", "latexsvg": false, "req": [[0, "any", [0]]], "tags": [], "vers": []
        }
    });
    let dconf = json!({ "1": {
        "id": 1, "mod": 0, "name": "Default", "usn": 0, "maxTaken": 60, "autoplay": true, "timer": 0, "replayq": true, "dyn": false,
        "new": { "bury": false, "delays": [1.0, 10.0], "initialFactor": 2500, "ints": [1, 4, 0], "order": 1, "perDay": 20 },
        "rev": { "bury": false, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2 },
        "lapse": { "delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0 }
    }});
    let conf = json!({
        "activeDecks": [1], "curDeck": 1, "newSpread": 0, "collapseTime": 1200, "timeLim": 0, "estTimes": true,
        "dueCounts": true, "curModel": model_id, "nextPos": notes.len() + 1, "sortType": "noteFld", "sortBackwards": false,
        "addToCur": true
    });
    conn.execute(
        "INSERT INTO col VALUES (1, ?1, ?2, ?2, 11, 0, 0, 0, ?3, ?4, ?5, ?6, '{}')",
        params![
            secs - secs % 86_400,
            now_ms,
            conf.to_string(),
            models.to_string(),
            serde_json::Value::Object(decks).to_string(),
            dconf.to_string()
        ],
    )
    .map_err(sql)?;
    let tx = conn.unchecked_transaction().map_err(sql)?;
    for (i, n) in notes.iter().enumerate() {
        let id = now_ms + i as i64;
        let tags = format!(" {} ", n.tags.join(" "));
        // 0x1f separates a note's fields: one inside a field would add fields to the note.
        let flds = format!(
            "{}\u{1f}{}",
            n.front.replace('\u{1f}', " "),
            n.back.replace('\u{1f}', " ")
        );
        let sort = strip_tags(&n.front);
        let csum =
            i64::from_str_radix(&crate::bank::load::sha256_hex(&[sort.as_bytes()])[..8], 16).unwrap_or(0);
        tx.execute(
            "INSERT INTO notes VALUES (?1, ?2, ?3, ?4, -1, ?5, ?6, ?7, ?8, 0, '')",
            params![id, n.guid, model_id, secs, tags, flds, sort, csum],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO cards VALUES (?1, ?2, ?3, 0, ?4, -1, 0, 0, ?5, 0, 0, 0, 0, 0, 0, 0, 0, '')",
            params![id, id, stable_id(&n.deck), secs, i as i64 + 1],
        )
        .map_err(sql)?;
    }
    tx.commit().map_err(sql)
}
