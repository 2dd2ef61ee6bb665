
01JD0000000000000000000001ûŠÙ¥ª3kong-1"203.0.113.7*POST2https:api.example.comB/v1/users/42?expand=1J 
content-typeapplication/jsonJ#
authorizationBearer abc.def.ghiJ
x-forwarded-for203.0.113.7J
x-forwarded-for10.0.0.1R'{"name":"alice","filter":"' OR 1=1 --"}`Èiš™™™™™	@p€zusers‚users-v1Š
mobile-app