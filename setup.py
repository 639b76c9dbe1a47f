"""nbdev 2 style setup.py: every setting comes from settings.ini (no pkg_resources)."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

licenses = {'apache2': 'Apache-2.0'}   # SPDX expression (license classifiers are deprecated)
reqs = cfg.get('requirements', '').split()
dev_reqs = cfg.get('dev_requirements', '').split()
mlflow_reqs = cfg.get('mlflow_requirements', '').split()   # the optional tracking extra (55_tracking)
scripts = [s.strip() for s in cfg.get('console_scripts', '').split() if s.strip()]

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    license=licenses[cfg['license']],
    url=cfg['git_url'],
    classifiers=['Programming Language :: Python :: 3'],
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    include_package_data=True,
    install_requires=reqs,
    extras_require={'dev': dev_reqs, 'mlflow': mlflow_reqs},
    python_requires='>=' + cfg['min_python'],
    entry_points={'console_scripts': scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
