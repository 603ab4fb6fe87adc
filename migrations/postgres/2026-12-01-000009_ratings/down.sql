DROP TABLE ticket_ratings;
