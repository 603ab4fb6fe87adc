-- Users by username, any case: /find @username narrows to one user's
-- tickets first instead of reading every ticket the words are in.
CREATE INDEX users_username ON users (username COLLATE NOCASE) WHERE username IS NOT NULL;
