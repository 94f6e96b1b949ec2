;; Declares 20,000 pages (1.25 GiB) of initial memory: above any default ram limit.
(module
  (memory (export "memory") 20000)
  (func (export "_start")))
