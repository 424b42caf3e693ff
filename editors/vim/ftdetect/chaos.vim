" Detect .chaos files.
autocmd BufRead,BufNewFile *.chaos setfiletype chaos
