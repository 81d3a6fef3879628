-- What the gateway attached to a call at its arrival (call_arrived.attributes: an IVR's choices,
-- a CRM's ticket), as a JSON object of strings; NULL when it attached nothing. Written with the
-- arrival's piece of the row and kept (the first value wins, like the caller and the customer).
ALTER TABLE interactions ADD COLUMN attributes jsonb;
