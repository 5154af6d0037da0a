-- Creating a batch in one round trip and one database transaction (issue 13): the front-end used
-- to look the id up, then open a session, insert the batch and its first claim and commit, then
-- read the row back (three transactions, six round trips, for every batch).
--
-- frontend.create_batch returns the existing batch's session and request hash, untouched, when the
-- id is taken (the caller compares the hash: a re-post, or a conflict); otherwise it opens the
-- batch's mtcp session and inserts the batch, owned by the claiming request, and that request's
-- claim. Two requests creating the same id at once: the second one's INSERT fails with
-- unique_violation (23505) and rolls its session back with it; the caller calls again and finds
-- the batch.

CREATE FUNCTION frontend.create_batch(p_id text, p_request text, p_request_hash text, p_transactions integer,
    p_created_by text, p_owner_cid text, p_owner_request bigint, p_owner_epoch bigint,
    OUT created boolean, OUT batch_session bigint, OUT batch_request_hash text)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT b.session, b.request_hash INTO batch_session, batch_request_hash FROM frontend.batch b WHERE b.id = p_id;
  IF FOUND THEN
    created := false;
    RETURN;
  END IF;
  SELECT s.session INTO batch_session FROM mtcp.open_session() s;
  INSERT INTO frontend.batch (id, session, request, request_hash, transactions, created_by, owner_cid, owner_request,
      owner_epoch)
    VALUES (p_id, batch_session, p_request, p_request_hash, p_transactions, p_created_by, p_owner_cid, p_owner_request,
      p_owner_epoch);
  INSERT INTO frontend.batch_claim (batch, cid, request) VALUES (p_id, p_owner_cid, p_owner_request);
  created := true;
  batch_request_hash := p_request_hash;
END
$$;
