/* Data files compiled into the program: the default catalogue and the default theme. */
	.section .rodata
	.global qc_embed_catalog
qc_embed_catalog:
	.incbin "src/catalog/default.cat"
	.byte 0
	.global qc_embed_theme
qc_embed_theme:
	.incbin "themes/default.theme"
	.byte 0
	.section .note.GNU-stack,"",@progbits
