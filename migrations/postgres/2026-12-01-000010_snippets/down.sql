DROP TABLE snippets;
