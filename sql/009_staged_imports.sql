-- Large imports write into a fresh copy of a layer's table and swap it in before commit
-- (layers/exchange/staging.py). The copy needs the layer's triggers, named for the layer but
-- attached to a table of another name, so the installer takes the table as a second argument.
-- depends: 008_sensitive_access
CREATE FUNCTION atlas_install_layer_triggers(target_layer text, tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS touch_layer ON %s', tbl);
    EXECUTE format('ALTER TABLE %s ALTER COLUMN updated_by SET DEFAULT '
                   'coalesce(nullif(current_setting(''atlas.user'', true), ''''), session_user)', tbl);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION atlas_bump_version()', tbl);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_insert AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_touch_tiles(%L)',
                   tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_update AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION atlas_touch_tiles(%L)', tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_delete AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_touch_tiles(%L)',
                   tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION atlas_truncate_tiles(%L)', tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_insert AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_record_history(%L)',
                   tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_update AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION atlas_record_history(%L)', tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_delete AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_record_history(%L)',
                   tbl, target_layer);
END;
$$;

CREATE OR REPLACE FUNCTION atlas_install_layer_triggers(target_layer text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM atlas_install_layer_triggers(target_layer, format('layerdata.%I', target_layer));
END;
$$;
