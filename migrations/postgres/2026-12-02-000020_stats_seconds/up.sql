-- SQLite's alone (its indexes now hold /stats' seconds, computed from
-- text timestamps). PostgreSQL keeps timestamps as numbers: subtracting
-- them for a month's tickets costs little, and it would not read an
-- indexed expression from the index anyway. Here so that both backends
-- count the same migrations.
SELECT 1;
