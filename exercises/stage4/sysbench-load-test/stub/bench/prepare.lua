-- Loads sysbench's tables into minimysql, in the SQL minimysql speaks (given complete).
--
-- sysbench's own `oltp_point_select prepare` cannot: its CREATE TABLE uses AUTO_INCREMENT,
-- DEFAULT, CHAR(n) and a /*! ENGINE = innodb */ comment, which minimysql's grammar has not.
-- This script makes the same tables — sbtest1..sbtestN, ids 1..table-size, k random, c and pad
-- random digit strings of sysbench's lengths, an index on k — that `oltp_point_select run` reads
-- with `SELECT c FROM sbtest<t> WHERE id = <id>`.
--
-- Run it with the connection options of the run and the same --tables and --table-size:
--   sysbench /bench/prepare.lua --db-driver=mysql --mysql-host=... --tables=1 --table-size=10000 prepare
--   sysbench /bench/prepare.lua <the same options> cleanup        (drops the tables again)

sysbench.cmdline.options = {
   tables = {"Number of tables", 1},
   table_size = {"Number of rows per table", 10000},
}

local c_template = "###########-###########-###########-###########-###########-" ..
                   "###########-###########-###########-###########-###########"
local pad_template = "###########-###########-###########-###########-###########"

function prepare()
   local con = sysbench.sql.driver():connect()
   for t = 1, sysbench.opt.tables do
      print(string.format("Creating table 'sbtest%d'...", t))
      con:query(string.format("CREATE TABLE sbtest%d (id INT PRIMARY KEY, k INT NOT NULL, " ..
                              "c VARCHAR(120) NOT NULL, pad VARCHAR(60) NOT NULL)", t))
      print(string.format("Inserting %d records into 'sbtest%d'", sysbench.opt.table_size, t))
      -- bulk_insert_* sends multi-row INSERTs of about 512 KiB each
      con:bulk_insert_init(string.format("INSERT INTO sbtest%d (id, k, c, pad) VALUES", t))
      for i = 1, sysbench.opt.table_size do
         con:bulk_insert_next(string.format("(%d, %d, '%s', '%s')", i,
            sysbench.rand.default(1, sysbench.opt.table_size),
            sysbench.rand.string(c_template), sysbench.rand.string(pad_template)))
      end
      con:bulk_insert_done()
      print(string.format("Creating a secondary index on 'sbtest%d'...", t))
      con:query(string.format("CREATE INDEX k_%d ON sbtest%d (k)", t, t))
   end
end

function cleanup()
   local con = sysbench.sql.driver():connect()
   for t = 1, sysbench.opt.tables do
      print(string.format("Dropping table 'sbtest%d'...", t))
      con:query(string.format("DROP TABLE sbtest%d", t))
   end
end
