//! The JSON Schema of bank files, for editors that complete and check YAML.

/// The JSON Schema (draft 2020-12) describing both `exam.yaml` and question files.
pub fn json_schema() -> &'static str {
    include_str!("schema.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_valid_json_naming_every_question_field() -> Result<(), serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(json_schema())?;
        let props = &v["$defs"]["question"]["properties"];
        for field in crate::bank::parse::QUESTION_FIELDS {
            assert!(props.get(field).is_some(), "schema lacks {field}");
        }
        Ok(())
    }

    #[test]
    fn schema_names_every_exam_field() -> Result<(), serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(json_schema())?;
        let props = &v["$defs"]["examFile"]["properties"];
        for field in crate::bank::parse::EXAM_FIELDS {
            assert!(props.get(field).is_some(), "schema lacks {field}");
        }
        let statuses: Vec<&str> = crate::bank::ExamStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(props["status"]["enum"], serde_json::json!(statuses));
        Ok(())
    }
}
