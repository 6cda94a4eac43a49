-- A search walks one status's orders newest first, checking each Order_ID and ticket.
-- With both in the index it reads the index alone instead of visiting every row: a search
-- that matches nothing over 33,000 orders of a status took half the time.
DROP INDEX orders_status_no;
CREATE INDEX orders_status_no ON orders (status, no, order_id, ticket_no);
